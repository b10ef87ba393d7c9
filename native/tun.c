/* TUN devices (IFF_TUN | IFF_NO_PI, Documentation/networking/tuntap.rst): each read or write is one
 * whole IP packet. A mobile node's home address lives on one (architecture.md, "Why a userspace data
 * plane"). The device exists while the fd is open (not persistent). */

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define TUN_DEFAULT_SLOT 65536

/* A vnet TUN reads straight into one JS Buffer kept for the handle's life (batch x 64 KiB): no
 * allocation and no copy per batch, where a fresh 4 MiB Buffer per batch cost page faults and a
 * memcpy (perf). The packets handed to JS are views valid until the callback returns. */
static int tun_arena(mh_handle *h, napi_value *buf) {
  if (h->arena_ref) return napi_get_reference_value(h->env, h->arena_ref, buf) == napi_ok && *buf ? 0 : -1;
  void *data;
  if (napi_create_buffer(h->env, (size_t)h->batch * h->slot_size, &data, buf) != napi_ok) return -1;
  if (napi_create_reference(h->env, *buf, 1, &h->arena_ref) != napi_ok) return -1;
  for (unsigned i = 0; i < h->batch; i++) h->iov[i].iov_base = (uint8_t *)data + (size_t)i * h->slot_size;
  return 0;
}

/* meta per packet: [offset, length, sec, nsec (read time: a TUN has no kernel timestamp), 0...] */
static int tun_read_batch(mh_handle *h, napi_value *args, size_t *argc, int *err) {
  unsigned n = 0;
  int rc = 0;
  napi_value arena = NULL;
  if (h->vnet && tun_arena(h, &arena) < 0) return 0;
  for (; n < h->batch; n++) {
    ssize_t r;
    do r = read(h->fd, h->iov[n].iov_base, h->slot_size);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        *err = errno;
        rc = -2;
      } else if (n == 0) {
        rc = -1;
      }
      break;
    }
    h->msgs[n].msg_len = (unsigned)r;
    h->msgs[n].msg_hdr.msg_flags = 0; /* read() truncates silently; the slot holds a 64 KiB packet */
  }
  if (n == 0) return rc ? rc : -1;
  napi_value buf, meta, count;
  unsigned kept;
  if (arena) {
    buf = arena;
    for (kept = 0; kept < n; kept++) {
      h->meta[kept * MH_META_STRIDE + 0] = (double)((size_t)kept * h->slot_size);
      h->meta[kept * MH_META_STRIDE + 1] = (double)h->msgs[kept].msg_len;
      h->rx_items++;
      h->rx_bytes += h->msgs[kept].msg_len;
    }
  } else if (mh_pack(h, n, &buf, &kept) != napi_ok) return 0;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  for (unsigned k = 0; k < kept; k++) {
    double *row = h->meta + (size_t)k * MH_META_STRIDE;
    row[2] = (double)now.tv_sec;
    row[3] = (double)now.tv_nsec;
  }
  if (napi_create_uint32(h->env, kept, &count) != napi_ok) return (int)n;
  if (napi_get_reference_value(h->env, h->meta_ref, &meta) != napi_ok) return (int)n;
  args[0] = count;
  args[1] = buf;
  args[2] = meta;
  *argc = 3;
  /* A read error after some packets: deliver them; the error comes back on the next wake-up. */
  return (int)n;
}

/* tunOpen({ name?, netns?, batch?, vnetHeader? }) -> [handle, name, ifindex]
 * vnetHeader: IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO6): every read and write carries a
 * 10-byte virtio_net_hdr; the kernel hands over TCP/IPv6 super-packets up to 64 KiB with their
 * checksum left partial, and takes them (GSO_TCPV6 + NEEDS_CSUM) on write. */
static napi_value TunOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value opts = NULL;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &opts, NULL, NULL));
  char *name = NULL, *netns = NULL;
  int vnet = 0;
  unsigned batch;
  size_t slot;
  napi_value result = NULL;
  if (argc < 1) opts = NULL;
  if (mh_opt_string(env, opts, "name", &name) < 0 || mh_opt_string(env, opts, "netns", &netns) < 0 ||
      mh_opt_bool(env, opts, "vnetHeader", &vnet) < 0 || mh_opt_batch(env, opts, &batch, &slot, TUN_DEFAULT_SLOT) < 0)
    goto out;
  if (name && strlen(name) >= IFNAMSIZ) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "TUN name must be shorter than 16 bytes");
    goto out;
  }

  mh_fail f = {0};
  int fd = -1, ifindex = 0;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  int saved = mh_netns_enter(netns, &f);
  if (saved == -1) goto fail;
  /* The device is created in the namespace of the thread that opens /dev/net/tun. */
  fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) { f.err = errno; f.syscall = "open"; f.path = "/dev/net/tun"; goto leave; }
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
  if (name) strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { f.err = errno; f.syscall = "ioctl TUNSETIFF"; f.path = name; goto leave; }
  if (vnet) {
    int hsz = MH_VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hsz) < 0) { f.err = errno; f.syscall = "ioctl TUNSETVNETHDRSZ"; goto leave; }
    /* TSO6 needs CSUM; no TSO_ECN, so the kernel segments CWR-marked bursts itself. */
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO6)) < 0) { f.err = errno; f.syscall = "ioctl TUNSETOFFLOAD"; goto leave; }
  }
  ifindex = (int)if_nametoindex(ifr.ifr_name);
  if (ifindex == 0) { f.err = errno; f.syscall = "if_nametoindex"; f.path = ifr.ifr_name; goto leave; }
leave:
  mh_netns_leave(saved);
fail:
  if (f.err) {
    if (fd >= 0) close(fd);
    mh_throw_fail(env, &f);
    goto out;
  }
  napi_value handle, v;
  mh_handle *h = mh_handle_new(env, fd, MH_TUN, batch, slot + (vnet ? MH_VNET_HDR_LEN : 0), 0, 0, tun_read_batch, &handle);
  if (!h) goto out;
  h->ifindex = ifindex;
  h->vnet = vnet;
  if (napi_create_array_with_length(env, 3, &result) != napi_ok) goto bad;
  if (napi_set_element(env, result, 0, handle) != napi_ok) goto bad;
  if (napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &v) != napi_ok ||
      napi_set_element(env, result, 1, v) != napi_ok)
    goto bad;
  if (napi_create_int32(env, ifindex, &v) != napi_ok || napi_set_element(env, result, 2, v) != napi_ok) goto bad;
  goto out;
bad:
  result = NULL;
out:
  free(name);
  free(netns);
  return result;
}

/* ---- tunWriteMany: one N-API call for a batch, and software GRO on a vnet TUN ----
 *
 * Packets decapsulated from the tunnel arrive one MSS at a time. On a vnet TUN, runs of consecutive
 * segments of one flow are written as one super-packet (NEEDS_CSUM + GSO_TCPV6 or GSO_UDP_L4), so the
 * kernel forwards or delivers up to 64 segments as one skb (what GRO does on a NIC), and segments
 * again only where it must. TCP follows tcp_gro_receive: same IPv6 header but Payload Length, no
 * extension headers, same ports, ACK number, window and options; seq continues the run; only ACK
 * (and PSH on the last) set. UDP follows udp_gro_receive_segment: same addresses and ports, every
 * datagram the first's size but the last, which may be shorter (each keeps its boundary: the
 * kernel cuts the super-packet back at gso_size). Each packet's checksum is verified here first; a
 * bad one is written alone, unchanged, and the kernel drops it. Payloads are not copied (writev). */

#define GRO_MAX_SEGS 64
#define GRO_MAX_LEN 65535 /* IPv6 Payload Length of the merged packet */

typedef struct {
  const uint8_t *p;
  size_t len;
} gro_pkt;

/* Header length (IPv6 + TCP or UDP) of a packet GRO may merge: IPv6 without extension headers,
 * lengths consistent, a payload, a valid checksum. 0 when it may not. */
static size_t gro_headers(const uint8_t *p, size_t len) {
  if (len < 48 || p[0] >> 4 != 6 || 40 + (size_t)(p[4] << 8 | p[5]) != len) return 0;
  size_t hl;
  if (p[6] == 6) {
    if (len < 60) return 0;
    hl = 40 + (size_t)(p[52] >> 4) * 4;
    if (hl < 60 || hl >= len) return 0;
  } else if (p[6] == 17) {
    hl = 48;
    if ((size_t)(p[44] << 8 | p[45]) != len - 40 || hl >= len || (p[46] == 0 && p[47] == 0)) return 0;
  } else {
    return 0;
  }
  uint64_t sum = mh_csum_add(mh_csum_pseudo6(p, (uint32_t)(len - 40), p[6]), p + 40, len - 40);
  return mh_csum_fold(sum) == 0xffff ? hl : 0;
}

/* Writes run[0..n) as one packet (n > 1: merged GSO) or as itself. Returns 1 written, 0 dropped
 * (EAGAIN/ENOBUFS), -errno on another error. */
static int gro_write(mh_handle *h, gro_pkt *run, unsigned n, size_t hl) {
  mh_vnet_hdr vh = {0};
  struct iovec iov[GRO_MAX_SEGS + 2];
  uint8_t head[40 + 60];
  unsigned k = 0;
  iov[k].iov_base = &vh;
  iov[k++].iov_len = sizeof vh;
  if (n == 1) {
    /* A packet verified here needs no second check in the kernel (ignored where unsupported). */
    if (hl) vh.flags = MH_VNET_F_DATA_VALID;
    iov[k].iov_base = (void *)run[0].p;
    iov[k++].iov_len = run[0].len;
  } else {
    size_t total = hl;
    int udp = run[0].p[6] == 17;
    memcpy(head, run[0].p, hl);
    iov[k].iov_base = head;
    iov[k++].iov_len = hl;
    for (unsigned i = 0; i < n; i++) {
      iov[k].iov_base = (void *)(run[i].p + hl);
      iov[k++].iov_len = run[i].len - hl;
      total += run[i].len - hl;
    }
    head[4] = (uint8_t)((total - 40) >> 8);
    head[5] = (uint8_t)(total - 40);
    if (udp) {
      head[44] = head[4]; /* UDP Length of the super-packet; the kernel sets each segment's */
      head[45] = head[5];
    } else {
      head[53] |= run[n - 1].p[53] & 0x08; /* PSH from the last segment */
    }
    /* CHECKSUM_PARTIAL: the field holds the pseudo-header sum; the kernel (or the egress device)
     * completes it, per segment when it segments (tcp_gso_segment, __udp_gso_segment). */
    uint16_t c = mh_csum_fold(mh_csum_pseudo6(head, (uint32_t)(total - 40), head[6]));
    size_t co = udp ? 6 : 16;
    memcpy(head + 40 + co, &c, 2);
    vh.flags = MH_VNET_F_NEEDS_CSUM;
    vh.gso_type = udp ? MH_VNET_GSO_UDP_L4 : MH_VNET_GSO_TCPV6;
    vh.hdr_len = (uint16_t)hl;
    vh.gso_size = (uint16_t)(run[0].len - hl);
    vh.csum_start = 40;
    vh.csum_offset = (uint16_t)co;
  }
  ssize_t r;
  do r = writev(h->fd, iov, (int)k);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return 0;
    return -errno;
  }
  return 1;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* May a run start with p (header length hl, 0 if not mergeable)? TCP: a plain ACK segment only
 * (SYN, FIN, RST, URG, PSH, CWR end coalescing). */
static int gro_starts(const uint8_t *p, size_t hl) { return hl && (p[6] == 17 || p[53] == 0x10); }

/* Can q (header length hl) extend the run (first f, previous l, n segments, run_len bytes)? */
static int gro_fits(const gro_pkt *f, const gro_pkt *l, unsigned n, size_t run_len, const uint8_t *q, size_t qlen,
                    size_t hl) {
  size_t fhl = hl, mss = f->len - fhl, lpay = l->len - fhl, qpay = qlen - hl;
  if (n >= GRO_MAX_SEGS || q[6] != f->p[6] || qpay > mss || lpay != mss) return 0;
  if (f->p[6] == 6 && (size_t)(f->p[52] >> 4) * 4 + 40 != hl) return 0;
  if (run_len + qpay - 40 > GRO_MAX_LEN) return 0;
  if (memcmp(q, f->p, 4) != 0 || memcmp(q + 6, f->p + 6, 34) != 0) return 0; /* TC, flow, NH, HL, addresses */
  if (memcmp(q + 40, f->p + 40, 4) != 0) return 0;                            /* ports */
  if (q[6] == 17) return 1;
  if (memcmp(q + 48, f->p + 48, 5) != 0) return 0;             /* ack, doff */
  if (q[53] != 0x10 && q[53] != 0x18) return 0;                /* ACK, or ACK|PSH (ends the run) */
  if (memcmp(q + 54, f->p + 54, 2) != 0) return 0;             /* window */
  if (memcmp(q + 60, f->p + 60, hl - 60) != 0) return 0;       /* options (timestamps) */
  return be32(q + 44) == be32(l->p + 44) + (uint32_t)lpay;     /* seq continues the run */
}

/* tunWriteMany(handle, packets[]) -> number of packets accepted. Refused writes (queue full, or an
 * error such as EINVAL) are counted in sendDropped, never thrown: the caller is a receive path. */
static napi_value TunWriteMany(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result, v;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  mh_handle *h = mh_handle_get(env, argv[0]);
  if (!h) return NULL;
  if (h->closed) {
    mh_throw_errno(env, EBADF, "write (TUN device is closed)");
    return NULL;
  }
  bool arr = false, is_buf;
  if (argc > 1) NAPI_CALL(env, napi_is_array(env, argv[1], &arr));
  if (!arr) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "packets must be an array of Buffers");
    return NULL;
  }
  uint32_t n;
  NAPI_CALL(env, napi_get_array_length(env, argv[1], &n));
  gro_pkt run[GRO_MAX_SEGS];
  unsigned rn = 0;
  size_t run_len = 0, run_hl = 0;
  double accepted = 0, dropped = 0;
#define GRO_FLUSH()                                                                                \
  do {                                                                                             \
    if (rn > 0) {                                                                                  \
      int r_ = gro_write(h, run, rn, run_hl);                                                      \
      if (r_ > 0) accepted += rn;                                                                  \
      else dropped += rn;                                                                          \
      rn = 0;                                                                                      \
    }                                                                                              \
  } while (0)
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *p = NULL;
    size_t len = 0;
    NAPI_CALL(env, napi_get_element(env, argv[1], i, &v));
    NAPI_CALL(env, napi_is_buffer(env, v, &is_buf));
    if (!is_buf) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "packets must be Buffers");
      return NULL;
    }
    NAPI_CALL(env, napi_get_buffer_info(env, v, (void **)&p, &len));
    if (!h->vnet) {
      ssize_t r;
      do r = write(h->fd, p, len);
      while (r < 0 && errno == EINTR);
      if (r >= 0) accepted++;
      else dropped++;
      continue;
    }
    size_t hl = gro_headers(p, len);
    if (rn > 0 && hl && gro_fits(&run[0], &run[rn - 1], rn, run_len, p, len, hl)) {
      run[rn].p = p;
      run[rn++].len = len;
      run_len += len - hl;
      /* TCP PSH, or a short segment: the run ends here. */
      if ((p[6] == 6 && (p[53] & 0x08)) || len < run[0].len) GRO_FLUSH();
      continue;
    }
    GRO_FLUSH();
    run[0].p = p;
    run[0].len = len;
    rn = 1;
    run_len = len;
    run_hl = hl;
    if (!gro_starts(p, hl)) GRO_FLUSH(); /* alone: not mergeable, a bad checksum, or special flags */
  }
  GRO_FLUSH();
#undef GRO_FLUSH
  h->tx_items += accepted;
  h->tx_dropped += dropped;
  NAPI_CALL(env, napi_create_double(env, accepted, &result));
  return result;
}

napi_value mh_tun_init(napi_env env, napi_value exports) {
  NAPI_CALL(env, mh_export(env, exports, "tunOpen", TunOpen));
  NAPI_CALL(env, mh_export(env, exports, "tunWriteMany", TunWriteMany));
  return exports;
}
