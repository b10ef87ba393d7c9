/* The N-API argument prologue (args.h): one place for argument counts, types and option reading. */
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

bool mh_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc) {
  *argc = max;
  napi_status s = napi_get_cb_info(env, info, argc, argv, NULL, NULL);
  if (s != napi_ok) {
    mh_throw_napi(env, s, "napi_get_cb_info");
    return false;
  }
  return true;
}

bool mh_args_options(napi_env env, napi_callback_info info, napi_value *opts) {
  size_t argc;
  if (!mh_args(env, info, 1, opts, &argc)) return false;
  if (argc < 1) *opts = NULL;
  return true;
}

mh_handle *mh_args_handle(napi_env env, napi_callback_info info) {
  napi_value v;
  size_t argc;
  if (!mh_args(env, info, 1, &v, &argc)) return NULL;
  if (argc == 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "missing handle");
    return NULL;
  }
  return mh_handle_get(env, v);
}

mh_handle *mh_arg_open_handle(napi_env env, napi_value v, const char *closed_syscall) {
  mh_handle *h = mh_handle_get(env, v);
  if (h && h->closed) {
    mh_throw_errno(env, EBADF, closed_syscall);
    return NULL;
  }
  return h;
}

mh_handle *mh_args_open(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc,
                        const char *closed_syscall) {
  if (!mh_args(env, info, max, argv, argc)) return NULL;
  return mh_arg_open_handle(env, argv[0], closed_syscall);
}

napi_valuetype mh_arg_type(napi_env env, size_t argc, const napi_value *argv, size_t i) {
  napi_valuetype t = napi_undefined;
  if (i < argc && napi_typeof(env, argv[i], &t) != napi_ok) t = napi_undefined;
  return t;
}

bool mh_arg_buffer(napi_env env, napi_value v, void **data, size_t *len, const char *message) {
  bool is_buf = false;
  napi_status s = napi_is_buffer(env, v, &is_buf);
  if (s == napi_ok && !is_buf) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  if (s == napi_ok) s = napi_get_buffer_info(env, v, data, len);
  if (s != napi_ok) {
    mh_throw_napi(env, s, "napi_get_buffer_info");
    return false;
  }
  return true;
}

bool mh_arg_array(napi_env env, napi_value v, const char *message) {
  bool arr = false;
  napi_status s = napi_is_array(env, v, &arr);
  if (s != napi_ok) {
    mh_throw_napi(env, s, "napi_is_array");
    return false;
  }
  if (!arr) napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return arr;
}

int mh_arg_vnet_header(napi_env env, napi_value v, void **hdr) {
  bool is_buf = false;
  size_t len;
  if (napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf) return 0;
  napi_status s = napi_get_buffer_info(env, v, hdr, &len);
  if (s != napi_ok) {
    mh_throw_napi(env, s, "napi_get_buffer_info");
    return -1;
  }
  if (len != MH_VNET_HDR_LEN) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "vnetHeader must be 10 bytes");
    return -1;
  }
  return 1;
}

void mh_throw_unless_pending(napi_env env, napi_status (*thrower)(napi_env, const char *, const char *),
                             const char *code, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) thrower(env, code, message);
}

/* obj[key] when present and of type want (1), absent (0), or a TypeError naming want_text (-1). */
static int opt_get(napi_env env, napi_value obj, const char *key, napi_valuetype want, const char *want_text,
                   napi_value *v) {
  napi_valuetype ot, t;
  if (obj == NULL || napi_typeof(env, obj, &ot) != napi_ok || ot != napi_object) return 0;
  if (napi_get_named_property(env, obj, key, v) != napi_ok) return -1;
  if (napi_typeof(env, *v, &t) != napi_ok) return -1;
  if (t == napi_undefined || t == napi_null) return 0;
  if (t != want) {
    char msg[160];
    snprintf(msg, sizeof msg, "option %s must be %s", key, want_text);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return -1;
  }
  return 1;
}

int mh_opt_int(napi_env env, napi_value obj, const char *key, int64_t *out) {
  napi_value v;
  int r = opt_get(env, obj, key, napi_number, "a number", &v);
  if (r == 1 && napi_get_value_int64(env, v, out) != napi_ok) return -1;
  return r;
}

int mh_opt_object(napi_env env, napi_value obj, const char *key, napi_value *out) {
  return opt_get(env, obj, key, napi_object, "an object", out);
}

int mh_opt_bool(napi_env env, napi_value obj, const char *key, int *out) {
  napi_value v;
  bool b;
  int r = opt_get(env, obj, key, napi_boolean, "a boolean", &v);
  if (r == 1 && napi_get_value_bool(env, v, &b) != napi_ok) return -1;
  if (r == 1) *out = b ? 1 : 0;
  return r;
}

int mh_opt_string(napi_env env, napi_value obj, const char *key, char **out) {
  napi_value v;
  int r = opt_get(env, obj, key, napi_string, "a string", &v);
  if (r <= 0) return r;
  *out = mh_value_string(env, v);
  return *out ? 1 : -1;
}

char *mh_value_string(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return NULL;
  if (t != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a string");
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

int mh_opt_batch(napi_env env, napi_value opts, unsigned *batch, size_t *slot, size_t def_slot) {
  int64_t v;
  int r;
  *batch = 64;
  *slot = def_slot;
  if ((r = mh_opt_int(env, opts, "batch", &v)) < 0) return -1;
  if (r && v >= 1 && v <= 1024) *batch = (unsigned)v;
  if ((r = mh_opt_int(env, opts, "maxPacketSize", &v)) < 0) return -1;
  if (r && v >= 64 && v <= 1 << 20) *slot = (size_t)v;
  return 0;
}
