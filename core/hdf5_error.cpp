#include "hdf5_error.h"

namespace bitlens {

std::string hdf5ErrorCause(const H5::Exception& e)
{
    std::string innermost;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD,
             [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
                 if (n == 0 && err->desc && *err->desc)
                     *static_cast<std::string*>(out) = err->desc;
                 return 0;
             },
             &innermost);
    return innermost.empty() ? e.getDetailMsg() : e.getDetailMsg() + ": " + innermost;
}

} // namespace bitlens
