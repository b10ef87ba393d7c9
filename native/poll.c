/* One uv_poll_t per fd on the env's own loop (napi_get_uv_event_loop, never uv_default_loop, so
 * worker threads work). On readable, the kind's read_batch runs until EAGAIN, at most MH_ROUNDS
 * batches per wake-up so one busy socket cannot starve the loop; the poll is level-triggered, so
 * what is left wakes us again on the next loop turn.
 *
 * Lifetime: close() stops the poll, closes the fd and uv_close()s the handle; the memory is freed
 * when both the uv close callback ran and the JS external was finalized (close-then-free). A started
 * handle holds a strong reference to its own external, so an active socket is not collected (like a
 * Node socket); an idle one is closed by its finalizer. Env cleanup closes whatever is left. */
#include "check.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define MH_ROUNDS 4

typedef struct {
  mh_handle *head;
} mh_env_data;

static void maybe_free(mh_handle *h) {
  if (!h->finalized || !h->uv_closed) return;
  free(h->arena);
  free(h->msgs);
  free(h->iov);
  free(h->names);
  free(h->ctrl);
  free(h);
}

static void on_uv_close(uv_handle_t *handle) {
  mh_handle *h = handle->data;
  h->uv_closed = 1;
  maybe_free(h);
}

static void unlink_handle(mh_handle *h) {
  mh_env_data *d = NULL;
  if (napi_get_instance_data(h->env, (void **)&d) != napi_ok || d == NULL) return;
  if (h->prev) h->prev->next = h->next;
  else if (d->head == h) d->head = h->next;
  if (h->next) h->next->prev = h->prev;
  h->prev = h->next = NULL;
}

static void drop_ref(napi_env env, napi_ref *r) {
  if (*r) {
    napi_delete_reference(env, *r);
    *r = NULL;
  }
}

void mh_handle_close(mh_handle *h) {
  if (h->closed) return;
  h->closed = 1;
  unlink_handle(h);
  if (h->poll_inited) {
    if (h->polling) uv_poll_stop(&h->poll);
    h->polling = 0;
    uv_close((uv_handle_t *)&h->poll, on_uv_close);
  }
  close(h->fd);
  h->fd = -1;
  drop_ref(h->env, &h->on_batch);
  drop_ref(h->env, &h->on_error);
  drop_ref(h->env, &h->meta_ref);
  drop_ref(h->env, &h->arena_ref);
  drop_ref(h->env, &h->self_ref);
  h->meta = NULL;
  if (h->actx) {
    napi_async_destroy(h->env, h->actx);
    h->actx = NULL;
  }
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  mh_handle *h = data;
  mh_handle_close(h);
  h->finalized = 1;
  maybe_free(h);
}

static void env_cleanup(void *arg) {
  mh_env_data *d = arg;
  while (d->head) mh_handle_close(d->head); /* unlinks itself */
}

static void free_env_data(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

void mh_env_init(napi_env env) {
  mh_env_data *d = calloc(1, sizeof *d);
  if (!d) return;
  napi_set_instance_data(env, d, free_env_data, NULL);
  napi_add_env_cleanup_hook(env, env_cleanup, d);
}

mh_handle *mh_handle_new(napi_env env, int fd, enum mh_kind kind, unsigned batch, size_t slot_size,
                         size_t name_size, size_t ctrl_size, mh_read_batch_fn fn, napi_value *out) {
  mh_handle *h = calloc(1, sizeof *h);
  if (!h) goto oom;
  h->env = env;
  h->fd = fd;
  h->kind = kind;
  h->uv_closed = 1; /* until uv_poll_init */
  h->read_batch = fn;
  h->batch = batch;
  h->slot_size = slot_size;
  h->ctrl_size = ctrl_size;
  h->ifindex = 0;
  h->arena = malloc((size_t)batch * slot_size);
  h->msgs = calloc(batch, sizeof *h->msgs);
  h->iov = calloc(batch, sizeof *h->iov);
  h->names = name_size ? calloc(batch, name_size) : NULL;
  h->ctrl = ctrl_size ? calloc(batch, ctrl_size) : NULL;
  if (!h->arena || !h->msgs || !h->iov || (name_size && !h->names) || (ctrl_size && !h->ctrl))
    goto oom;
  for (unsigned i = 0; i < batch; i++) {
    h->iov[i].iov_base = h->arena + (size_t)i * slot_size;
    h->iov[i].iov_len = slot_size;
    h->msgs[i].msg_hdr.msg_iov = &h->iov[i];
    h->msgs[i].msg_hdr.msg_iovlen = 1;
    h->msgs[i].msg_hdr.msg_name = name_size ? h->names + (size_t)i * name_size : NULL;
    h->msgs[i].msg_hdr.msg_namelen = (socklen_t)name_size;
    h->msgs[i].msg_hdr.msg_control = ctrl_size ? h->ctrl + (size_t)i * ctrl_size : NULL;
    h->msgs[i].msg_hdr.msg_controllen = ctrl_size;
  }
  if (napi_create_external(env, h, finalize_handle, NULL, out) != napi_ok) {
    h->finalized = 1;
    mh_handle_close(h);
    maybe_free(h);
    return NULL;
  }
  mh_env_data *d = NULL;
  if (napi_get_instance_data(env, (void **)&d) == napi_ok && d) {
    h->next = d->head;
    if (d->head) d->head->prev = h;
    d->head = h;
  }
  return h;
oom:
  close(fd);
  if (h) {
    h->closed = 1;
    h->finalized = 1;
    maybe_free(h);
  }
  napi_throw_error(env, "ENOMEM", "out of memory allocating the receive arena");
  return NULL;
}

mh_handle *mh_handle_get(napi_env env, napi_value v) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a native socket handle");
    return NULL;
  }
  return p;
}

/* Hands an exception thrown by a JS callback (or a failed N-API call) to process 'uncaughtException',
 * as an exception thrown by any Node event handler would be. */
static void raise_pending(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value exc;
  if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
}

static void call_js(mh_handle *h, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = h->env;
  napi_value fn, recv;
  if (!fn_ref || napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &recv); /* napi_make_callback converts recv to an object */
  /* napi_make_callback (not napi_call_function) so promise jobs queued by the callback run
   * afterwards and async_hooks see a proper callback scope. */
  napi_make_callback(env, h->actx, recv, fn, argc, argv, NULL);
  raise_pending(env);
}

static void report_error(mh_handle *h, int err, const char *syscall) {
  h->rx_errors++;
  napi_value e = mh_errno_error(h->env, err, syscall);
  if (!e) {
    raise_pending(h->env);
    return;
  }
  if (h->on_error) call_js(h, h->on_error, 1, &e);
  /* Without an onError the error is counted only: a bound interface going down (ENETDOWN) must not
   * kill a daemon. */
}

static void on_poll(uv_poll_t *poll, int status, int events) {
  (void)events;
  mh_handle *h = poll->data;
  if (h->closed) return;
  napi_env env = h->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  if (status < 0) {
    report_error(h, -status, "poll");
    napi_close_handle_scope(env, scope);
    return;
  }
  for (int round = 0; round < MH_ROUNDS && !h->closed; round++) {
    napi_handle_scope inner;
    if (napi_open_handle_scope(env, &inner) != napi_ok) break;
    napi_value args[4];
    size_t argc = 0;
    int err = 0;
    int n = h->read_batch(h, args, &argc, &err);
    if (n == -2) report_error(h, err, h->kind == MH_TUN ? "read" : "recvmmsg");
    else if (n > 0 && argc > 0) call_js(h, h->on_batch, argc, args);
    else raise_pending(env);
    napi_close_handle_scope(env, inner);
    if (n < 0 || (unsigned)n < h->batch) break; /* drained (a short batch) or an error */
  }
  napi_close_handle_scope(env, scope);
}

/* ---- exported: start, close, ref, unref, send, stats ---- */

static napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[3];
  mh_handle *h = mh_args_open(env, info, 3, argv, &argc, "start (socket is closed)");
  if (!h) return NULL;
  if (mh_arg_type(env, argc, argv, 1) != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "onBatch must be a function");
    return NULL;
  }
  drop_ref(env, &h->on_batch);
  drop_ref(env, &h->on_error);
  NAPI_CALL(env, napi_create_reference(env, argv[1], 1, &h->on_batch));
  if (mh_arg_type(env, argc, argv, 2) == napi_function)
    NAPI_CALL(env, napi_create_reference(env, argv[2], 1, &h->on_error));
  if (!h->self_ref) NAPI_CALL(env, napi_create_reference(env, argv[0], 1, &h->self_ref));
  if (!h->meta_ref) {
    napi_value ab, ta;
    void *data;
    size_t n = (size_t)h->batch * MH_META_STRIDE;
    NAPI_CALL(env, napi_create_arraybuffer(env, n * sizeof(double), &data, &ab));
    NAPI_CALL(env, napi_create_typedarray(env, napi_float64_array, n, ab, 0, &ta));
    NAPI_CALL(env, napi_create_reference(env, ta, 1, &h->meta_ref));
    h->meta = data;
  }
  if (!h->actx) {
    napi_value name;
    NAPI_CALL(env, napi_create_string_utf8(env, "MipshopNativeSocket", NAPI_AUTO_LENGTH, &name));
    NAPI_CALL(env, napi_async_init(env, NULL, name, &h->actx));
  }
  if (!h->poll_inited) {
    struct uv_loop_s *loop;
    NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
    int r = uv_poll_init(loop, &h->poll, h->fd);
    if (r < 0) {
      mh_throw_errno(env, -r, "uv_poll_init");
      return NULL;
    }
    h->poll.data = h;
    h->poll_inited = 1;
    h->uv_closed = 0;
  }
  if (!h->polling) {
    int r = uv_poll_start(&h->poll, UV_READABLE, on_poll);
    if (r < 0) {
      mh_throw_errno(env, -r, "uv_poll_start");
      return NULL;
    }
    h->polling = 1;
  }
  if (h->unref) uv_unref((uv_handle_t *)&h->poll);
  return NULL;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  mh_handle *h = mh_args_handle(env, info);
  if (h) mh_handle_close(h); /* twice is a no-op */
  return NULL;
}

static napi_value SetRef(napi_env env, napi_callback_info info, int ref) {
  mh_handle *h = mh_args_handle(env, info);
  if (!h || h->closed) return NULL;
  h->unref = !ref;
  if (h->poll_inited) {
    if (ref) uv_ref((uv_handle_t *)&h->poll);
    else uv_unref((uv_handle_t *)&h->poll);
  }
  return NULL;
}
static napi_value Ref(napi_env env, napi_callback_info info) { return SetRef(env, info, 1); }
static napi_value Unref(napi_env env, napi_callback_info info) { return SetRef(env, info, 0); }

/* send(handle, buf, vnetHeader?): one whole frame (packet socket) or packet (TUN). false on
 * EAGAIN/ENOBUFS. A PACKET_VNET_HDR socket sends the given virtio_net_hdr (or zeros) first. */
static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[3];
  if (!mh_args(env, info, 3, argv, &argc)) return NULL;
  mh_handle *h = mh_handle_get(env, argv[0]);
  if (!h) return NULL;
  const char *sc = h->kind == MH_TUN ? "write" : "send";
  if (h->closed) {
    mh_throw_errno(env, EBADF, h->kind == MH_TUN ? "write (TUN device is closed)" : "send (socket is closed)");
    return NULL;
  }
  void *data;
  size_t len;
  if (!mh_arg_buffer(env, argv[1], &data, &len, "data must be a Buffer")) return NULL;
  uint8_t zero_hdr[MH_VNET_HDR_LEN] = {0};
  struct iovec iov[2] = {{zero_hdr, MH_VNET_HDR_LEN}, {data, len}};
  if (h->vnet && argc > 2 && mh_arg_vnet_header(env, argv[2], &iov[0].iov_base) < 0) return NULL;
  ssize_t r;
  MH_RETRY_EINTR(r, h->vnet ? writev(h->fd, iov, 2) : write(h->fd, data, len));
  return mh_send_result(env, h, r, sc);
}

napi_value mh_send_result(napi_env env, mh_handle *h, ssize_t r, const char *syscall) {
  napi_value result;
  if (r < 0) {
    int e = errno;
    if (mh_send_queue_full(e)) {
      h->tx_dropped++;
      NAPI_CALL(env, napi_get_boolean(env, false, &result));
      return result;
    }
    mh_throw_errno(env, e, syscall);
    return NULL;
  }
  h->tx_items++;
  NAPI_CALL(env, napi_get_boolean(env, true, &result));
  return result;
}

static napi_status set_num(napi_env env, napi_value obj, const char *k, double v) {
  napi_value n;
  napi_status s = napi_create_double(env, v, &n);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, obj, k, n);
}

static napi_value Stats(napi_env env, napi_callback_info info) {
  mh_handle *h = mh_args_handle(env, info);
  if (!h) return NULL;
  napi_value o;
  NAPI_CALL(env, napi_create_object(env, &o));
  double kernel_drops = 0;
  if (h->kind == MH_PACKET && !h->closed) {
    /* PACKET_STATISTICS resets on every read: accumulate. */
    struct tpacket_stats st;
    socklen_t sl = sizeof st;
    if (getsockopt(h->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) h->kernel_drops += st.tp_drops;
  }
  kernel_drops = h->kernel_drops;
  NAPI_CALL(env, set_num(env, o, "received", h->rx_items));
  NAPI_CALL(env, set_num(env, o, "receivedBytes", h->rx_bytes));
  NAPI_CALL(env, set_num(env, o, "truncated", h->rx_truncated));
  NAPI_CALL(env, set_num(env, o, "errors", h->rx_errors));
  NAPI_CALL(env, set_num(env, o, "sent", h->tx_items));
  NAPI_CALL(env, set_num(env, o, "sendDropped", h->tx_dropped));
  NAPI_CALL(env, set_num(env, o, "kernelDrops", kernel_drops));
  return o;
}

/* Fills msgs for a fresh recvmmsg and runs it. n >= 0, or -1 (EAGAIN), or -2 with *err. */
int mh_recvmmsg(mh_handle *h, size_t name_size, int *err) {
  for (unsigned i = 0; i < h->batch; i++) {
    h->iov[i].iov_len = h->slot_size;
    h->msgs[i].msg_hdr.msg_namelen = (socklen_t)name_size;
    h->msgs[i].msg_hdr.msg_controllen = h->ctrl_size;
    h->msgs[i].msg_hdr.msg_flags = 0;
    h->msgs[i].msg_len = 0;
  }
  int n;
  MH_RETRY_EINTR(n, recvmmsg(h->fd, h->msgs, h->batch, MSG_DONTWAIT, NULL));
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
    *err = errno;
    return -2;
  }
  return n;
}

/* Copies the n received slots (msg_len bytes each; MSG_TRUNC ones are counted and dropped) into one
 * new Buffer, and writes each kept item's offset and length to meta[k*STRIDE + 0, 1]: one JS
 * allocation per batch, the TS side slices views. */
napi_status mh_pack(mh_handle *h, unsigned n, napi_value *out_buf, unsigned *kept) {
  size_t total = 0;
  for (unsigned i = 0; i < n; i++)
    if (!(h->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) total += h->msgs[i].msg_len;
  void *data;
  napi_status s = napi_create_buffer(h->env, total, &data, out_buf);
  if (s != napi_ok) return s;
  size_t off = 0;
  unsigned k = 0;
  for (unsigned i = 0; i < n; i++) {
    if (h->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
      h->rx_truncated++;
      continue;
    }
    size_t len = h->msgs[i].msg_len;
    memcpy((uint8_t *)data + off, h->iov[i].iov_base, len);
    h->meta[k * MH_META_STRIDE + 0] = (double)off;
    h->meta[k * MH_META_STRIDE + 1] = (double)len;
    off += len;
    k++;
    h->rx_items++;
    h->rx_bytes += (double)len;
  }
  *kept = k;
  return napi_ok;
}

bool mh_kept_next(mh_kept *it) {
  if (it->msg) it->k++;
  while (it->next < it->n) {
    struct mmsghdr *msg = &it->h->msgs[it->next++];
    if (msg->msg_hdr.msg_flags & MSG_TRUNC) continue; /* dropped by mh_pack: no row */
    it->msg = msg;
    it->row = it->h->meta + (size_t)it->k * MH_META_STRIDE;
    mh_timestamp(&msg->msg_hdr, &it->row[2], &it->row[3]);
    return true;
  }
  return false;
}

napi_value mh_poll_init_exports(napi_env env, napi_value exports) {
  NAPI_CALL(env, mh_export(env, exports, "start", Start));
  NAPI_CALL(env, mh_export(env, exports, "close", Close));
  NAPI_CALL(env, mh_export(env, exports, "ref", Ref));
  NAPI_CALL(env, mh_export(env, exports, "unref", Unref));
  NAPI_CALL(env, mh_export(env, exports, "send", Send));
  NAPI_CALL(env, mh_export(env, exports, "stats", Stats));
  return exports;
}
