#include "progress.h"

#include "errors.h"

namespace bitlens {

void Progress::checkCancelled() const
{
    if (cancelled())
        throw Cancelled();
}

} // namespace bitlens
