/* The N-API argument prologue shared by every exported function: arguments, their types, the socket
 * handle in argv[0], and option properties. Each helper throws (a TypeError or RangeError with
 * ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE, as Node does) and reports failure; the caller returns NULL. */
#ifndef MIPSHOP_ARGS_H
#define MIPSHOP_ARGS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mh_handle mh_handle;

/* Up to max arguments into argv (missing ones are undefined), their count into *argc. */
bool mh_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc);
/* The options object of an open function (NULL when not passed). */
bool mh_args_options(napi_env env, napi_callback_info info, napi_value *opts);
/* The handle in the only argument (close, ref, unref, stats): closed ones too. */
mh_handle *mh_args_handle(napi_env env, napi_callback_info info);
/* argv[0] as an open handle; a closed one throws EBADF naming closed_syscall. */
mh_handle *mh_arg_open_handle(napi_env env, napi_value v, const char *closed_syscall);
/* The prologue of an export on an open handle: mh_args, then argv[0] through mh_arg_open_handle. */
mh_handle *mh_args_open(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc,
                        const char *closed_syscall);
/* The type of argv[i], napi_undefined beyond argc. */
napi_valuetype mh_arg_type(napi_env env, size_t argc, const napi_value *argv, size_t i);
/* A Buffer's bytes, or a TypeError with message. */
bool mh_arg_buffer(napi_env env, napi_value v, void **data, size_t *len, const char *message);
/* An array, or a TypeError with message. */
bool mh_arg_array(napi_env env, napi_value v, const char *message);
/* A virtio_net_hdr argument: 1 with *hdr set when v is a 10-byte Buffer, 0 when v is not a Buffer,
 * -1 (RangeError) when it is a Buffer of another length. */
int mh_arg_vnet_header(napi_env env, napi_value v, void **hdr);

/* Throws through thrower (napi_throw_type_error, napi_throw_range_error) unless an exception is
 * already pending (it is more precise). */
void mh_throw_unless_pending(napi_env env, napi_status (*thrower)(napi_env, const char *, const char *),
                             const char *code, const char *message);

/* Reads obj[key] into out. Returns 1 if present, 0 if absent or undefined/null, -1 on a type error
 * (an exception is then pending). Strings are malloc'ed; the caller frees them. */
int mh_opt_int(napi_env env, napi_value obj, const char *key, int64_t *out);
int mh_opt_bool(napi_env env, napi_value obj, const char *key, int *out);
int mh_opt_object(napi_env env, napi_value obj, const char *key, napi_value *out);
int mh_opt_string(napi_env env, napi_value obj, const char *key, char **out);
char *mh_value_string(napi_env env, napi_value v); /* malloc'ed, NULL + exception on error */
/* Batch size and slot size options with defaults and bounds. */
int mh_opt_batch(napi_env env, napi_value opts, unsigned *batch, size_t *slot, size_t def_slot);

#endif
