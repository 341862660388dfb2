#include "hdf5_helpers.h"

#include "../errors.h"
#include "../runtime.h"
#include "../size_guard.h"

#include <filesystem>

#include <algorithm>
#include <cstdlib>

namespace bitlens::h5 {
namespace {

std::string nameOf(const H5::H5Object& o, const std::string& attribute)
{
    return o.getFileName() + ": attribute '" + attribute + "' of " + o.getObjName();
}

// Refuses `count` values of `valueBytes` each that need more than the `stored` bytes the file
// holds for them (uncompressed data cannot).
void checkStored(const std::string& what, uint64_t count, uint64_t valueBytes, uint64_t stored, const char* cause)
{
    const uint64_t bytes = checkedBytes(count, valueBytes, what);
    if (bytes > stored)
        throw Error(what + " claims " + std::to_string(count) + " values (" + byteText(double(bytes))
                    + ") but the file stores " + byteText(double(stored)) + ": " + cause);
}

// Values an attribute holds, checked against the bytes the file stores for it before anything
// is allocated (attributes are never compressed).
size_t checkedPoints(const H5::Attribute& a, const std::string& what)
{
    const H5::DataSpace space = a.getSpace();
    const uint64_t points = space.getSimpleExtentType() == H5S_NULL ? 0 : uint64_t(space.getSimpleExtentNpoints());
    checkStored(what, points, a.getDataType().getSize(), a.getStorageSize(), "it is damaged");
    return size_t(points);
}

// A scalar attribute: exactly one value (an array would overrun the one read into).
H5::Attribute scalarAttribute(const H5::H5Object& o, const std::string& name)
{
    H5::Attribute a = o.openAttribute(name);
    if (const size_t points = checkedPoints(a, nameOf(o, name)); points != 1)
        throw Error(nameOf(o, name) + " holds " + std::to_string(points) + " values where one is expected");
    return a;
}

} // namespace

void setString(H5::H5Object& o, const std::string& name, const std::string& value)
{
    const H5::StrType type(H5::PredType::C_S1, std::max<size_t>(1, value.size()));
    o.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value.c_str());
}

void setInt(H5::H5Object& o, const std::string& name, int64_t value)
{
    o.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR)).write(H5::PredType::NATIVE_INT64, &value);
}

void setReal(H5::H5Object& o, const std::string& name, double value)
{
    o.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR)).write(H5::PredType::NATIVE_DOUBLE, &value);
}

void setInts(H5::H5Object& o, const std::string& name, const std::vector<int64_t>& values)
{
    const hsize_t n = values.size();
    o.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(1, &n)).write(H5::PredType::NATIVE_INT64, values.data());
}

void setReals(H5::H5Object& o, const std::string& name, const std::vector<double>& values)
{
    const hsize_t n = values.size();
    o.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(1, &n)).write(H5::PredType::NATIVE_DOUBLE, values.data());
}

std::vector<double> getReals(const H5::H5Object& o, const std::string& name)
{
    const H5::Attribute a = o.openAttribute(name);
    std::vector<double> values(checkedPoints(a, nameOf(o, name)));
    a.read(H5::PredType::NATIVE_DOUBLE, values.data());
    return values;
}

std::string getString(const H5::H5Object& o, const std::string& name)
{
    const H5::Attribute a = scalarAttribute(o, name);
    std::string value;
    a.read(a.getStrType(), value);
    return value.c_str(); // fixed-length strings may carry padding NULs
}

int64_t getInt(const H5::H5Object& o, const std::string& name)
{
    int64_t value = 0;
    scalarAttribute(o, name).read(H5::PredType::NATIVE_INT64, &value);
    return value;
}

double getReal(const H5::H5Object& o, const std::string& name)
{
    double value = 0;
    scalarAttribute(o, name).read(H5::PredType::NATIVE_DOUBLE, &value);
    return value;
}

std::vector<int64_t> getInts(const H5::H5Object& o, const std::string& name)
{
    const H5::Attribute a = o.openAttribute(name);
    std::vector<int64_t> values(checkedPoints(a, nameOf(o, name)));
    a.read(H5::PredType::NATIVE_INT64, values.data());
    return values;
}

void writeData(H5::Group& g, const std::string& name, const H5::DataType& fileType, const H5::DataType& memType,
               const std::vector<hsize_t>& dims, const void* data)
{
    const H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
    g.createDataSet(name, fileType, space).write(data, memType);
}

void writeStrings(H5::Group& g, const std::string& name, const std::vector<std::string>& values)
{
    std::vector<const char*> pointers;
    for (const std::string& v : values)
        pointers.push_back(v.c_str());
    const hsize_t n = values.size();
    const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    g.createDataSet(name, type, H5::DataSpace(1, &n)).write(pointers.data(), type);
}

std::vector<std::string> readStrings(const H5::Group& g, const std::string& name)
{
    const H5::DataSet ds = g.openDataSet(name);
    const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    std::vector<char*> pointers(checkedElements(ds, sizeof(char*)), nullptr);
    ds.read(pointers.data(), type);
    std::vector<std::string> out;
    for (char* p : pointers) {
        out.emplace_back(p ? p : "");
        std::free(p);
    }
    return out;
}

size_t checkedElements(const H5::DataSet& ds, size_t memoryElementBytes)
{
    const std::string what = ds.getFileName() + ": " + ds.getObjName();
    const H5::DataSpace space = ds.getSpace();
    if (space.getSimpleExtentType() == H5S_NULL)
        return 0;
    std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
    space.getSimpleExtentDims(dims.data());
    const uint64_t count = checkedCount(std::vector<uint64_t>(dims.begin(), dims.end()), what);
    checkedBytes(count, memoryElementBytes, what);
    if (ds.getCreatePlist().getNfilters() == 0)
        checkStored(what, count, ds.getDataType().getSize(), ds.getStorageSize(), "it is truncated or damaged");
    return size_t(count);
}

bool exists(const H5::Group& g, const std::string& path)
{
    return H5Lexists(g.getId(), path.c_str(), H5P_DEFAULT) > 0;
}

H5::H5File openVersionedFile(const std::string& path, const char* format, const char* what, int oldest, int newest)
{
    H5::Exception::dontPrint();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw Error(path + ": file not found");
    H5::H5File file(path, H5F_ACC_RDONLY);
    if (!file.attrExists("format") || getString(file, "format") != format)
        throw Error(path + ": not a BitLens " + what + " (no format attribute '" + format + "')");
    if (const int64_t v = getInt(file, "version"); v < oldest || v > newest)
        throw Error(path + ": " + what + " version " + std::to_string(v) + " is not supported (this build reads "
                    + (oldest == newest ? "" : std::to_string(oldest) + "-") + std::to_string(newest) + ")");
    return file;
}

void writeVector(H5::Group& g, const std::string& name, const std::vector<double>& v)
{
    writeData(g, name, H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE, {v.size()}, v.data());
}

void writeVector(H5::Group& g, const std::string& name, const std::vector<int64_t>& v)
{
    writeData(g, name, H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64, {v.size()}, v.data());
}

std::vector<double> readDoubles(const H5::Group& g, const std::string& name)
{
    return readData<double>(g, name, H5::PredType::NATIVE_DOUBLE);
}

std::vector<int64_t> readInts(const H5::Group& g, const std::string& name)
{
    return readData<int64_t>(g, name, H5::PredType::NATIVE_INT64);
}

void writeMatrix(H5::Group& g, const std::string& name, const std::vector<std::vector<double>>& rows)
{
    const hsize_t cols = rows.empty() ? 0 : rows[0].size();
    std::vector<double> flat;
    for (const auto& r : rows)
        flat.insert(flat.end(), r.begin(), r.end());
    writeData(g, name, H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE, {rows.size(), cols}, flat.data());
}

std::vector<std::vector<double>> readMatrix(const H5::Group& g, const std::string& name, size_t rowCount, size_t colCount)
{
    std::vector<hsize_t> dims;
    const std::vector<double> flat = readData<double>(g, name, H5::PredType::NATIVE_DOUBLE, &dims);
    std::vector<std::vector<double>> rows;
    if (dims.size() != 2 || dims[0] != rowCount || dims[1] != colCount)
        throw Error(name + " is not a " + std::to_string(rowCount) + " x " + std::to_string(colCount) + " matrix");
    for (hsize_t r = 0; r < dims[0]; ++r)
        rows.emplace_back(flat.begin() + long(r * dims[1]), flat.begin() + long((r + 1) * dims[1]));
    return rows;
}

void stamp(H5::Group& g, double seconds, const std::string& estimator, int64_t seed)
{
    setReal(g, "wall_seconds", seconds);
    setString(g, "estimator", estimator);
    setInt(g, "seed", seed);
    setString(g, "bitlens_version", version());
}

} // namespace bitlens::h5
