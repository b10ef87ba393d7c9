/* Module entry, errors and small socket helpers. Each socket kind registers its functions here
 * (native/README.md). */
#include "check.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void mh_throw_napi(napi_env env, napi_status status, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return; /* keep the first, more precise exception */
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char msg[256];
  snprintf(msg, sizeof msg, "N-API call failed (%d: %s): %s", (int)status,
           info && info->error_message ? info->error_message : "?", what);
  napi_throw_error(env, NULL, msg);
}

napi_value mh_errno_error(napi_env env, int err, const char *syscall) {
  return mh_errno_error_path(env, err, syscall, NULL);
}

napi_value mh_errno_error_path(napi_env env, int err, const char *syscall, const char *path) {
  /* libuv names errno values the way Node does: uv error codes are -errno on Unix. */
  const char *code = uv_err_name(-err);
  char msg[1200];
  if (path)
    snprintf(msg, sizeof msg, "%s: %s, %s '%s'", code, strerror(err), syscall, path);
  else
    snprintf(msg, sizeof msg, "%s: %s, %s", code, strerror(err), syscall);
  napi_value message, error, v;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, message, &error) != napi_ok) return NULL;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "code", v);
  napi_create_int32(env, -err, &v);
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  if (path) {
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, error, "path", v);
  }
  return error;
}

void mh_throw_errno(napi_env env, int err, const char *syscall) {
  napi_value e = mh_errno_error(env, err, syscall);
  if (e) napi_throw(env, e);
}

void mh_throw_fail(napi_env env, const mh_fail *f) {
  napi_value e = mh_errno_error_path(env, f->err, f->syscall, f->path);
  if (e) napi_throw(env, e);
}

void mh_set_rcvbuf(int fd, int bytes) {
  if (bytes <= 0) return;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

void mh_timestamp(struct msghdr *m, double *sec, double *nsec) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      *sec = (double)ts.tv_sec;
      *nsec = (double)ts.tv_nsec;
      return;
    }
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  *sec = (double)now.tv_sec;
  *nsec = (double)now.tv_nsec;
}

napi_status mh_export(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_status s = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, exports, name, fn);
}

/* ifNameToIndex(name, netns?) -> ifindex; ENODEV when absent. */
static napi_value IfNameToIndex(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[2], result = NULL;
  if (!mh_args(env, info, 2, argv, &argc)) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "name is required");
    return NULL;
  }
  char *name = mh_value_string(env, argv[0]), *netns = NULL;
  if (!name) return NULL;
  if (mh_arg_type(env, argc, argv, 1) == napi_string && !(netns = mh_value_string(env, argv[1]))) goto out;
  mh_fail f = {0};
  int saved = mh_netns_enter(netns, &f);
  if (saved == -1) {
    mh_throw_fail(env, &f);
    goto out;
  }
  unsigned idx = if_nametoindex(name);
  int e = errno;
  mh_netns_leave(saved);
  if (idx == 0) {
    f.err = e ? e : ENODEV;
    f.syscall = "if_nametoindex";
    f.path = name;
    mh_throw_fail(env, &f);
    goto out;
  }
  napi_create_uint32(env, idx, &result);
out:
  free(name);
  free(netns);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  mh_env_init(env);
  if (mh_export(env, exports, "ifNameToIndex", IfNameToIndex) != napi_ok) return NULL;
  if (!mh_poll_init_exports(env, exports)) return NULL;
  if (!mh_packet_init(env, exports)) return NULL;
  if (!mh_raw6_init(env, exports)) return NULL;
  if (!mh_tun_init(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
