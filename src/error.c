/* ws_strerror, ws_version. */
#include "internal.h"

#define WS__STR(x)  #x
#define WS__XSTR(x) WS__STR(x)

const char *ws_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define WS__ERR_CASE(name, val, msg)                                                               \
    case WS_##name:                                                                                \
        return msg;
        WS_ERRNO_MAP(WS__ERR_CASE)
#undef WS__ERR_CASE
    default:
        return "unknown error";
    }
}

const char *ws_version(void)
{
    return WS__XSTR(WS_VERSION_MAJOR) "." WS__XSTR(WS_VERSION_MINOR) "." WS__XSTR(WS_VERSION_PATCH);
}
