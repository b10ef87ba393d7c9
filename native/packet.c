/* AF_PACKET sockets bound to one interface (packet(7)): whole Ethernet frames in and out, with the
 * kernel's receive timestamp and sll_pkttype. Used for messages the kernel would not deliver to a
 * raw IPv6 socket (Home Address option, type 2 routing header) and by the impairment relay. */
#include "check.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

#define PACKET_CTRL 128
#define PACKET_DEFAULT_SLOT 65600 /* a GSO super-frame on veth: 64 KiB of IPv6 payload + headers */

/* meta per frame: [offset, length, sec, nsec, ifindex, pkttype, auxStatus, originalLength] */
static int packet_read_batch(mh_handle *h, napi_value *args, size_t *argc, int *err) {
  int n = mh_recvmmsg(h, sizeof(struct sockaddr_ll), err);
  if (n < 0) return n;
  napi_value buf, meta, count;
  unsigned kept;
  if (mh_pack(h, (unsigned)n, &buf, &kept) != napi_ok) return 0;
  for (mh_kept it = {.h = h, .n = n}; mh_kept_next(&it);) {
    struct msghdr *m = &it.msg->msg_hdr;
    const struct sockaddr_ll *sll = m->msg_name;
    double *row = it.row;
    row[4] = sll->sll_ifindex;
    row[5] = sll->sll_pkttype;
    row[6] = 0;
    row[7] = it.msg->msg_len;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
      if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        /* TP_STATUS_CSUMNOTREADY: a locally sent frame whose L4 checksum is left to offload. */
        row[6] = aux.tp_status;
        row[7] = aux.tp_len;
      }
    }
  }
  if (kept == 0) return n;
  if (napi_create_uint32(h->env, kept, &count) != napi_ok) return n;
  if (napi_get_reference_value(h->env, h->meta_ref, &meta) != napi_ok) return n;
  args[0] = count;
  args[1] = buf;
  args[2] = meta;
  *argc = 3;
  return n;
}

/* The `filter` option: a flat array [code, jt, jf, k, ...] of classic BPF instructions (filter.h),
 * attached with SO_ATTACH_FILTER so the kernel drops unwanted frames before they are queued. Returns
 * the instruction count (0 when absent) with *out malloc'ed, or -1 with an exception pending. */
static int opt_filter(napi_env env, napi_value opts, struct sock_filter **out) {
  napi_value arr;
  *out = NULL;
  int r = mh_opt_object(env, opts, "filter", &arr);
  if (r <= 0) return r;
  uint32_t n = 0;
  bool is_arr = false;
  if (napi_is_array(env, arr, &is_arr) != napi_ok || !is_arr || napi_get_array_length(env, arr, &n) != napi_ok ||
      n == 0 || n % 4 != 0 || n / 4 > BPF_MAXINSNS) {
    mh_throw_unless_pending(env, napi_throw_range_error, "ERR_OUT_OF_RANGE",
                            "option filter must be an array of 4 x 1..4096 numbers (code, jt, jf, k)");
    return -1;
  }
  struct sock_filter *f = calloc(n / 4, sizeof *f);
  if (!f) {
    napi_throw_error(env, "ENOMEM", "out of memory for the filter");
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int64_t x;
    if (napi_get_element(env, arr, i, &v) != napi_ok || napi_get_value_int64(env, v, &x) != napi_ok || x < 0 ||
        x > UINT32_MAX || (i % 4 == 0 && x > UINT16_MAX) || ((i % 4 == 1 || i % 4 == 2) && x > UINT8_MAX)) {
      free(f);
      mh_throw_unless_pending(env, napi_throw_range_error, "ERR_OUT_OF_RANGE",
                              "option filter: code 0..65535, jt and jf 0..255, k 0..2^32-1");
      return -1;
    }
    struct sock_filter *ins = &f[i / 4];
    switch (i % 4) {
    case 0: ins->code = (uint16_t)x; break;
    case 1: ins->jt = (uint8_t)x; break;
    case 2: ins->jf = (uint8_t)x; break;
    default: ins->k = (uint32_t)x; break;
    }
  }
  *out = f;
  return (int)(n / 4);
}

/* packetOpen({ ifname, protocol?, promiscuous?, ignoreOutgoing?, netns?, batch?, maxPacketSize?,
 *              receiveBuffer?, filter? }) -> [handle, ifindex] */
static napi_value PacketOpen(napi_env env, napi_callback_info info) {
  napi_value opts;
  if (!mh_args_options(env, info, &opts)) return NULL;
  char *ifname = NULL, *netns = NULL;
  int64_t proto = ETH_P_ALL, rcvbuf = 0;
  int promisc = 0, ignore_out = 1, vnet = 0;
  unsigned batch;
  size_t slot;
  napi_value result = NULL;
  struct sock_filter *filter = NULL;
  int filter_len = 0;
  if (mh_opt_string(env, opts, "ifname", &ifname) <= 0) {
    mh_throw_unless_pending(env, napi_throw_type_error, "ERR_INVALID_ARG_TYPE", "option ifname is required");
    goto out;
  }
  if (mh_opt_string(env, opts, "netns", &netns) < 0 || mh_opt_int(env, opts, "protocol", &proto) < 0 ||
      mh_opt_bool(env, opts, "promiscuous", &promisc) < 0 ||
      mh_opt_bool(env, opts, "ignoreOutgoing", &ignore_out) < 0 ||
      mh_opt_int(env, opts, "receiveBuffer", &rcvbuf) < 0 || mh_opt_bool(env, opts, "vnetHeader", &vnet) < 0 ||
      mh_opt_batch(env, opts, &batch, &slot, PACKET_DEFAULT_SLOT) < 0 ||
      (filter_len = opt_filter(env, opts, &filter)) < 0)
    goto out;

  mh_fail f = {0};
  int fd = -1, ifindex = 0, one = 1;
  int saved = mh_netns_enter(netns, &f);
  if (saved == -1) goto leave;
  /* Protocol 0 until bind: an unbound ETH_P_ALL socket would queue frames of every interface. */
  fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { f.err = errno; f.syscall = "socket AF_PACKET"; goto leave; }
  ifindex = (int)if_nametoindex(ifname);
  if (ifindex == 0) { f.err = errno ? errno : ENODEV; f.syscall = "if_nametoindex"; f.path = ifname; goto leave; }
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0) { f.err = errno; f.syscall = "setsockopt SO_TIMESTAMPNS"; goto leave; }
  if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) { f.err = errno; f.syscall = "setsockopt PACKET_AUXDATA"; goto leave; }
  if (ignore_out && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) { f.err = errno; f.syscall = "setsockopt PACKET_IGNORE_OUTGOING"; goto leave; }
  /* A GSO super-frame or a frame awaiting checksum offload keeps that state in the header, so a
   * relay can send it on unchanged and let the kernel segment and checksum (packet(7)). */
  if (vnet && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) { f.err = errno; f.syscall = "setsockopt PACKET_VNET_HDR"; goto leave; }
  mh_set_rcvbuf(fd, (int)rcvbuf);
  /* Before bind: the socket queues nothing until then, so no frame ever skips the filter. */
  if (filter_len > 0) {
    struct sock_fprog prog = {.len = (unsigned short)filter_len, .filter = filter};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) { f.err = errno; f.syscall = "setsockopt SO_ATTACH_FILTER"; goto leave; }
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons((uint16_t)proto);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { f.err = errno; f.syscall = "bind"; goto leave; }
  if (promisc) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) { f.err = errno; f.syscall = "setsockopt PACKET_ADD_MEMBERSHIP"; goto leave; }
  }
leave:
  if (!mh_open_finish(env, saved, fd, &f)) goto out;
  napi_value handle, idx;
  mh_handle *h = mh_handle_new(env, fd, MH_PACKET, batch, slot + (vnet ? MH_VNET_HDR_LEN : 0),
                               sizeof(struct sockaddr_ll), PACKET_CTRL, packet_read_batch, &handle);
  if (!h) goto out;
  h->ifindex = ifindex;
  h->vnet = vnet;
  if (napi_create_array_with_length(env, 2, &result) != napi_ok ||
      napi_create_int32(env, ifindex, &idx) != napi_ok ||
      napi_set_element(env, result, 0, handle) != napi_ok || napi_set_element(env, result, 1, idx) != napi_ok)
    result = NULL;
out:
  free(filter);
  free(ifname);
  free(netns);
  return result;
}

/* sendMany(handle, buffers[], vnetHeaders?[]) -> number sent: one sendmmsg for a relay's batch;
 * stops at EAGAIN. */
static napi_value SendMany(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[3], result;
  mh_handle *h = mh_args_open(env, info, 3, argv, &argc, "sendmmsg (socket is closed)");
  if (!h) return NULL;
  uint32_t n = 0;
  NAPI_CALL(env, napi_get_array_length(env, argv[1], &n));
  enum { CHUNK = 64 };
  struct mmsghdr msgs[CHUNK];
  struct iovec iov[CHUNK][2];
  static const uint8_t zero_hdr[MH_VNET_HDR_LEN];
  bool have_hdrs = false;
  if (h->vnet && argc > 2) NAPI_CALL(env, napi_is_array(env, argv[2], &have_hdrs));
  uint32_t sent = 0;
  while (sent < n) {
    unsigned m = n - sent < CHUNK ? n - sent : CHUNK;
    memset(msgs, 0, sizeof(struct mmsghdr) * m);
    for (unsigned i = 0; i < m; i++) {
      napi_value b, hb;
      NAPI_CALL(env, napi_get_element(env, argv[1], sent + i, &b));
      struct iovec *v = iov[i];
      int k = h->vnet ? 1 : 0;
      if (!mh_arg_buffer(env, b, &v[k].iov_base, &v[k].iov_len, "frames must be Buffers")) return NULL;
      if (h->vnet) {
        v[0].iov_base = (void *)zero_hdr;
        v[0].iov_len = MH_VNET_HDR_LEN;
        if (have_hdrs && napi_get_element(env, argv[2], sent + i, &hb) == napi_ok &&
            mh_arg_vnet_header(env, hb, &v[0].iov_base) < 0)
          return NULL;
      }
      msgs[i].msg_hdr.msg_iov = v;
      msgs[i].msg_hdr.msg_iovlen = (size_t)k + 1;
    }
    int r;
    MH_RETRY_EINTR(r, sendmmsg(h->fd, msgs, m, MSG_DONTWAIT));
    if (r < 0) {
      int e = errno;
      if (mh_send_queue_full(e)) break;
      mh_throw_errno(env, e, "sendmmsg");
      return NULL;
    }
    sent += (uint32_t)r;
    if ((unsigned)r < m) break;
  }
  h->tx_items += sent;
  h->tx_dropped += n - sent;
  NAPI_CALL(env, napi_create_uint32(env, sent, &result));
  return result;
}


napi_value mh_packet_init(napi_env env, napi_value exports) {
  NAPI_CALL(env, mh_export(env, exports, "packetOpen", PacketOpen));
  NAPI_CALL(env, mh_export(env, exports, "sendMany", SendMany));
  return exports;
}
