#include "hdf5_reader.h"

#include "../errors.h"
#include "../hdf5_error.h"
#include "../io/hdf5_helpers.h"

#include <H5Cpp.h>

#include <algorithm>
#include <filesystem>
#include <limits>

namespace bitlens {
namespace {

std::vector<hsize_t> extent(const H5::DataSet& ds)
{
    const H5::DataSpace space = ds.getSpace();
    std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
    space.getSimpleExtentDims(dims.data());
    return dims;
}

// h5::checkedElements, refused as a dataset error.
size_t datasetElements(const H5::DataSet& ds, size_t valueBytes)
{
    try {
        return h5::checkedElements(ds, valueBytes);
    } catch (const Error& e) {
        throw DatasetError(e.what());
    }
}

} // namespace

bool isHdf5File(const std::string& path)
{
    H5::Exception::dontPrint();
    try {
        return std::filesystem::is_regular_file(path) && H5::H5File::isHdf5(path);
    } catch (const H5::Exception&) {
        return false;
    }
}

std::vector<std::string> hdf5Splits(const std::string& path)
{
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        if (h5::exists(file, "inputs"))
            return {""};
        std::vector<std::string> splits;
        for (const char* g : {"train", "test"}) {
            if (h5::exists(file, g) && h5::exists(file, std::string(g) + "/inputs"))
                splits.emplace_back(g);
        }
        if (splits.empty())
            throw DatasetError(path + ": no /inputs dataset (nor /train/inputs or /test/inputs) in this HDF5 file");
        return splits;
    } catch (const H5::Exception& e) {
        throw DatasetError(path + ": cannot read the HDF5 file (" + hdf5ErrorCause(e) + ")");
    }
}

SampleSet readHdf5Split(const std::string& path, const std::string& group)
{
    H5::Exception::dontPrint();
    const std::string prefix = group.empty() ? "/" : "/" + group + "/";
    const std::string inputsName = prefix + "inputs";
    const std::string labelsName = prefix + "labels";
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        if (!h5::exists(file, labelsName))
            throw DatasetError(path + ": " + inputsName + " has no matching " + labelsName + " dataset");
        H5::DataSet inputs = file.openDataSet(inputsName);
        H5::DataSet labels = file.openDataSet(labelsName);

        const std::vector<hsize_t> idims = extent(inputs);
        const std::vector<hsize_t> ldims = extent(labels);
        if (idims.size() < 2)
            throw DatasetError(path + ": " + inputsName + " must be N x ... (at least 2 dimensions)");
        if (ldims.size() != 1)
            throw DatasetError(path + ": " + labelsName + " must be one-dimensional, it has "
                               + std::to_string(ldims.size()) + " dimensions");
        if (ldims[0] != idims[0])
            throw DatasetError(path + ": counts disagree: " + inputsName + " has " + std::to_string(idims[0])
                               + " samples but " + labelsName + " has " + std::to_string(ldims[0]));
        if (labels.getTypeClass() != H5T_INTEGER)
            throw DatasetError(path + ": " + labelsName + " must hold integers");

        SampleSet set;
        set.source = path;
        set.split = group.empty() ? "all" : group;
        set.sampleShape.assign(idims.begin() + 1, idims.end());
        const H5::DataType type = inputs.getDataType();
        if (inputs.getTypeClass() == H5T_INTEGER && type.getSize() == 1 && inputs.getIntType().getSign() == H5T_SGN_NONE) {
            set.type = SampleType::UInt8;
        } else if (inputs.getTypeClass() == H5T_FLOAT && type.getSize() == 4) {
            set.type = SampleType::Float32;
        } else {
            throw DatasetError(path + ": " + inputsName + " must be float32 or uint8");
        }
        const size_t valueBytes = set.type == SampleType::UInt8 ? 1 : sizeof(float);
        set.data.resize(datasetElements(inputs, valueBytes) * valueBytes);
        inputs.read(set.data.data(), set.type == SampleType::UInt8 ? H5::PredType::NATIVE_UINT8
                                                                   : H5::PredType::NATIVE_FLOAT);
        set.labels.resize(datasetElements(labels, sizeof(int64_t)));
        labels.read(set.labels.data(), H5::PredType::NATIVE_INT64);
        for (int64_t l : set.labels) {
            if (l < 0)
                throw DatasetError(path + ": " + labelsName + " holds a negative label (" + std::to_string(l) + ")");
        }
        return set;
    } catch (const H5::Exception& e) {
        throw DatasetError(path + ": cannot read " + inputsName + " / " + labelsName + " (" + hdf5ErrorCause(e)
                           + "; is the file truncated?)");
    }
}

namespace {

bool hasDatasets(const std::string& path, std::initializer_list<const char*> names)
{
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        return std::all_of(names.begin(), names.end(), [&](const char* n) { return h5::exists(file, n); });
    } catch (const H5::Exception&) {
        return false;
    }
}

} // namespace

bool hdf5HasSplitTokens(const std::string& path)
{
    return hasDatasets(path, {"train", "train/tokens", "test", "test/tokens"});
}

bool hdf5HasTokens(const std::string& path)
{
    return hasDatasets(path, {"tokens"}) || hdf5HasSplitTokens(path);
}

std::vector<int32_t> readHdf5Tokens(const std::string& path, const std::string& dataset)
{
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        H5::DataSet ds = file.openDataSet(dataset);
        const std::vector<hsize_t> dims = extent(ds);
        if (dims.size() != 1)
            throw DatasetError(path + ": " + dataset + " must be one-dimensional, it has " + std::to_string(dims.size())
                               + " dimensions");
        if (ds.getTypeClass() != H5T_INTEGER)
            throw DatasetError(path + ": " + dataset + " must hold integer tokens");
        std::vector<int64_t> wide(datasetElements(ds, sizeof(int64_t)));
        ds.read(wide.data(), H5::PredType::NATIVE_INT64);
        std::vector<int32_t> tokens(wide.size());
        for (size_t i = 0; i < wide.size(); ++i) {
            if (wide[i] < 0 || wide[i] > std::numeric_limits<int32_t>::max())
                throw DatasetError(path + ": " + dataset + " holds token " + std::to_string(wide[i]) + " at position "
                                   + std::to_string(i) + ", outside 0 .. 2^31 - 1");
            tokens[i] = static_cast<int32_t>(wide[i]);
        }
        return tokens;
    } catch (const H5::Exception& e) {
        throw DatasetError(path + ": cannot read " + dataset + " (" + hdf5ErrorCause(e) + "; is the file truncated?)");
    }
}

} // namespace bitlens
