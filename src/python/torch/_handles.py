# Handles and the shared buffers (bridge.ts): a Tensor holds `_h`, a small int naming its JS tensor
# in the bridge's table. Hot operations write their operands (handles, numbers) into _A and dims
# into _I, then call a JS function with no arguments that returns the result's handle: no JsProxy
# is created and no argument converted. Each h_ function's slots are documented at it in bridge.ts.
from array import array

import _bpn_bridge as _b
from pyodide.ffi import create_proxy

_A = array("d", bytes(8 * 64))
_I = array("i", bytes(4 * 64))
# handles of dead wrappers go to _D for release; few at a time (see bridge.ts releaseDead)
_RELEASE_EVERY = 16
_D = array("i", bytes(4 * _RELEASE_EVERY))
_b.attachBuffers(create_proxy(_A), create_proxy(_I), create_proxy(_D))

# bridge functions looked up once: attribute access on a JS object is the costly part of a call
_h_put = _b.put
_h_get = _b.get
_h_releaseDead = _b.releaseDead
_h_dup = _b.h_dup
_h_T = _b.h_T
_h_data = _b.h_data
_h_setData = _b.h_setData
_h_grad = _b.h_grad
_h_shape = _b.h_shape
_h_ndim = _b.h_ndim
_h_dtype = _b.h_dtype
_h_item = _b.h_item
_h_index1 = _b.h_index1
_h_index2 = _b.h_index2
_h_setItem1 = _b.h_setItem1
_h_getItemN = _b.h_getItemN
_h_iaddIndexed = _b.h_iaddIndexed
_h_iopIndexedN = _b.h_iopIndexedN
_h_iopData = _b.h_iopData
_h_setItemN = _b.h_setItemN
_h_view = _b.h_view
_h_reshape = _b.h_reshape
_h_sum = _b.h_sum
_h_mean = _b.h_mean
_h_variance = _b.h_variance
_h_softmax = _b.h_softmax
_h_crossEntropy = _b.h_crossEntropy
_h_fullLike = _b.h_fullLike
_h_randint = _b.h_randint
_h_zero_ = _b.h_zero_

_dead = []  # handles of collected wrappers (Tensor.__del__), released in batches


def _release_dead():
    # a finalizer may run (and append) while this runs: take exactly the handles copied
    while _dead:
        hs = array("i", _dead[:_RELEASE_EVERY])
        n = len(hs)
        del _dead[:n]
        _D[:n] = hs
        _h_releaseDead(n)
