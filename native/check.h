/* Shared declarations of the mipshop native addon (native/README.md). Plain C over node_api.h. */
#ifndef MIPSHOP_CHECK_H
#define MIPSHOP_CHECK_H

#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "offload.h" /* mh_vnet_hdr, MH_VNET_HDR_LEN, checksums */

/* Every N-API call goes through NAPI_CALL: a failure becomes a thrown Error and the function
 * returns NULL (undefined to JS). NAPI_CALL_RET returns ret instead, for functions returning void
 * or int (callbacks). */
#define NAPI_CALL_RET(env, call, ret)                                                \
  do {                                                                               \
    napi_status status_ = (call);                                                    \
    if (status_ != napi_ok) {                                                        \
      mh_throw_napi((env), status_, #call);                                          \
      return ret;                                                                    \
    }                                                                                \
  } while (0)
#define NAPI_CALL(env, call) NAPI_CALL_RET(env, call, NULL)

void mh_throw_napi(napi_env env, napi_status status, const char *what);

/* Errors shaped like Node's fs errors: message "ENODEV: No such device, setsockopt SO_BINDTODEVICE",
 * code "ENODEV", errno -19 (negative, as Node does), syscall "setsockopt SO_BINDTODEVICE". */
napi_value mh_errno_error(napi_env env, int err, const char *syscall);
napi_value mh_errno_error_path(napi_env env, int err, const char *syscall, const char *path);
void mh_throw_errno(napi_env env, int err, const char *syscall);

/* An open function's failure: errno, the syscall that failed and, for netns, the path. */
typedef struct {
  int err;
  const char *syscall;
  const char *path;
} mh_fail;
void mh_throw_fail(napi_env env, const mh_fail *f);

/* ---- network namespaces (netns.c) ---- */
/* Moves the calling thread into the namespace at path (NULL: stay). Returns the fd of the original
 * namespace (or -2 when path is NULL), or -1 with *f filled. */
int mh_netns_enter(const char *path, mh_fail *f);
/* Returns to the original namespace; a failure here is fatal (the JS thread would stay elsewhere). */
void mh_netns_leave(int saved);
/* The end of an open function's setup: leaves the namespace (saved == -1, never entered, is a no-op),
 * then if f->err is set closes fd (when >= 0) and throws. Returns whether fd is ready to use. */
bool mh_open_finish(napi_env env, int saved, int fd, const mh_fail *f);

/* ---- arguments and options (args.c) ---- */
#include "args.h"

/* ---- polled handles (poll.c) ---- */
enum mh_kind { MH_PACKET = 1, MH_RAW6 = 2, MH_TUN = 3 };

typedef struct mh_handle mh_handle;

/* Reads one batch (up to the handle's batch size). Returns the number of items read (>= 0), or -1
 * on EAGAIN with nothing read, or -2 on another error (errno-style code in *err). On success it
 * sets args[0..*argc) to the values handed to the JS batch callback. */
typedef int (*mh_read_batch_fn)(mh_handle *h, napi_value *args, size_t *argc, int *err);

struct mh_handle {
  napi_env env;
  int fd;
  enum mh_kind kind;
  uv_poll_t poll;
  int poll_inited; /* uv_poll_init ran: memory is freed only after uv_close's callback */
  int polling;
  int closed;      /* fd closed (close(), finalizer or env cleanup) */
  int finalized;   /* JS external collected (or env gone) */
  int uv_closed;   /* uv_close callback ran (or never inited) */
  int unref;       /* the user asked not to keep the loop alive */
  napi_ref self_ref;   /* strong while started, so an active socket is not collected */
  napi_ref on_batch;
  napi_ref on_error;
  napi_ref meta_ref;   /* Float64Array reused for every batch's per-item numbers */
  napi_ref arena_ref;  /* vnet TUN: a JS Buffer reads go into directly, reused for every batch */
  double *meta;
  napi_async_context actx;
  mh_read_batch_fn read_batch;
  /* receive arena: batch slots of slot_size bytes, plus per-slot control space */
  unsigned batch;
  size_t slot_size;
  uint8_t *arena;
  struct mmsghdr *msgs;
  struct iovec *iov;
  uint8_t *names; /* per-slot sockaddr storage */
  uint8_t *ctrl;  /* per-slot control buffers */
  size_t ctrl_size;
  /* counters (stats()) */
  double rx_items, rx_bytes, rx_truncated, rx_errors, tx_items, tx_dropped, kernel_drops;
  int ifindex;
  int vnet; /* packet socket with PACKET_VNET_HDR: each frame is preceded by a virtio_net_hdr */
  struct mh_handle *prev, *next; /* the env's list of live handles (closed at env cleanup) */
};

#define MH_META_STRIDE 8

/* Allocates a handle around fd and wraps it in a JS external (returned in *out). */
mh_handle *mh_handle_new(napi_env env, int fd, enum mh_kind kind, unsigned batch, size_t slot_size,
                         size_t name_size, size_t ctrl_size, mh_read_batch_fn fn, napi_value *out);
/* Resolves a JS external to a handle; throws (and returns NULL) if it is not one of ours. */
mh_handle *mh_handle_get(napi_env env, napi_value v);
void mh_handle_close(mh_handle *h);
void mh_env_init(napi_env env);
/* Resets the slots and runs recvmmsg: n >= 0, -1 on EAGAIN, -2 with *err on another error. */
int mh_recvmmsg(mh_handle *h, size_t name_size, int *err);
/* Copies n received slots into one new Buffer (truncated ones dropped and counted) and writes each
 * kept item's offset and length to meta[k*MH_META_STRIDE + 0..1]. */
napi_status mh_pack(mh_handle *h, unsigned n, napi_value *out_buf, unsigned *kept);
/* Walks the items mh_pack kept, in its order, so each meta row matches its item: msg is the received
 * message, k its item number, row its meta row with the timestamp (columns 2, 3) set. Start from
 * {.h = h, .n = n}; mh_kept_next returns false when done. */
typedef struct {
  mh_handle *h;
  int n, next; /* messages received; the next slot to look at */
  unsigned k;
  struct mmsghdr *msg;
  double *row;
} mh_kept;
bool mh_kept_next(mh_kept *it);
napi_value mh_poll_init_exports(napi_env env, napi_value exports);

/* Runs a syscall again while a signal interrupts it. */
#define MH_RETRY_EINTR(r, call)                                                      \
  do (r) = (call);                                                                   \
  while ((r) < 0 && errno == EINTR)

/* A send refused because a queue is full: dropped and counted, as on a congested link, not thrown. */
static inline bool mh_send_queue_full(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }
/* JS result of one send whose return value is r (errno still that of the send): true when sent,
 * false when the queue is full (sendDropped), else throws errno naming syscall. */
napi_value mh_send_result(napi_env env, mh_handle *h, ssize_t r, const char *syscall);

/* ---- socket kinds ---- */
napi_value mh_packet_init(napi_env env, napi_value exports);
napi_value mh_raw6_init(napi_env env, napi_value exports);
napi_value mh_tun_init(napi_env env, napi_value exports);

/* SO_RCVBUFFORCE (root may exceed rmem_max), falling back to SO_RCVBUF. */
void mh_set_rcvbuf(int fd, int bytes);
/* SO_TIMESTAMPNS from a control message, or the current time when absent. */
void mh_timestamp(struct msghdr *m, double *sec, double *nsec);

/* Defines a function property on exports. */
napi_status mh_export(napi_env env, napi_value exports, const char *name, napi_callback cb);

#endif
