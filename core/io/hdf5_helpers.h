#pragma once
// core-internal: the few HDF5 C++ API calls BitLens's files are made of — scalar and 1-D
// attributes, whole datasets — so writers and readers stay about their layout.

#include <H5Cpp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens::h5 {

void setString(H5::H5Object& o, const std::string& name, const std::string& value);
void setInt(H5::H5Object& o, const std::string& name, int64_t value);
void setReal(H5::H5Object& o, const std::string& name, double value);
void setInts(H5::H5Object& o, const std::string& name, const std::vector<int64_t>& values);
void setReals(H5::H5Object& o, const std::string& name, const std::vector<double>& values);
std::string getString(const H5::H5Object& o, const std::string& name);
int64_t getInt(const H5::H5Object& o, const std::string& name);
double getReal(const H5::H5Object& o, const std::string& name);
std::vector<int64_t> getInts(const H5::H5Object& o, const std::string& name);
std::vector<double> getReals(const H5::H5Object& o, const std::string& name);

void writeData(H5::Group& g, const std::string& name, const H5::DataType& fileType, const H5::DataType& memType,
               const std::vector<hsize_t>& dims, const void* data);
// A 1-D array of strings (variable length, h5py reads them as str).
void writeStrings(H5::Group& g, const std::string& name, const std::vector<std::string>& values);
std::vector<std::string> readStrings(const H5::Group& g, const std::string& name);
bool exists(const H5::Group& g, const std::string& path);
// The values `ds` holds, checked before anything is allocated for them (size_guard.h): refused
// in one sentence when their count overflows, when they exceed this machine's memory at
// `memoryElementBytes` each, or when an unfiltered dataset claims more than the file stores.
size_t checkedElements(const H5::DataSet& ds, size_t memoryElementBytes);

// Whole 1-D and 2-D float64 / int64 datasets.
void writeVector(H5::Group& g, const std::string& name, const std::vector<double>& v);
void writeVector(H5::Group& g, const std::string& name, const std::vector<int64_t>& v);
std::vector<double> readDoubles(const H5::Group& g, const std::string& name);
std::vector<int64_t> readInts(const H5::Group& g, const std::string& name);
// Rows of equal length as a [rows, cols] dataset.
void writeMatrix(H5::Group& g, const std::string& name, const std::vector<std::vector<double>>& rows);
// A [rows, cols] dataset; throws Error when its shape is not the one the file's other parts say.
std::vector<std::vector<double>> readMatrix(const H5::Group& g, const std::string& name, size_t rowCount, size_t colCount);
// What every analysis group of a bundle records about how it was made.
void stamp(H5::Group& g, double seconds, const std::string& estimator, int64_t seed = 0);

// Opens one of BitLens's HDF5 files read-only and checks its "format" attribute and that its
// "version" attribute is one of oldest…newest. Throws Error naming `path` (missing, another kind
// of file — `what` says which kind was expected —, an unsupported version); H5::Exception passes
// through for the caller to word.
H5::H5File openVersionedFile(const std::string& path, const char* format, const char* what, int oldest, int newest);

template <typename T>
std::vector<T> readData(const H5::Group& g, const std::string& name, const H5::PredType& memType,
                        std::vector<hsize_t>* dims = nullptr)
{
    const H5::DataSet ds = g.openDataSet(name);
    const H5::DataSpace space = ds.getSpace();
    if (dims) {
        dims->resize(static_cast<size_t>(space.getSimpleExtentNdims()));
        space.getSimpleExtentDims(dims->data());
    }
    std::vector<T> values(checkedElements(ds, sizeof(T)));
    ds.read(values.data(), memType);
    return values;
}

} // namespace bitlens::h5
