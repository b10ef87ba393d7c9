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
    MH_RETRY_EINTR(r, read(h->fd, h->iov[n].iov_base, h->slot_size));
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
  napi_value opts;
  if (!mh_args_options(env, info, &opts)) return NULL;
  char *name = NULL, *netns = NULL;
  int vnet = 0;
  unsigned batch;
  size_t slot;
  napi_value result = NULL;
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
  if (saved == -1) goto leave;
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
  if (!mh_open_finish(env, saved, fd, &f)) goto out;
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
 * On a vnet TUN, offload.c groups runs of consecutive segments of one flow, written here as one
 * super-packet (NEEDS_CSUM + GSO_TCPV6 or GSO_UDP_L4), so the kernel forwards or delivers up to 64
 * segments as one skb and segments again only where it must (each UDP datagram keeps its boundary:
 * the kernel cuts the super-packet back at gso_size). Each packet's checksum is verified first; a bad
 * one is written alone, unchanged, and the kernel drops it. Payloads are not copied (writev). */

typedef struct {
  mh_handle *h;
  double accepted, dropped;
} gro_writer;

/* Writes a run as one packet (merged GSO) or as itself; a refused write counts its packets dropped. */
static void gro_write(void *ctx, const mh_gro_run *run) {
  gro_writer *w = ctx;
  mh_vnet_hdr vh;
  uint8_t head[MH_GRO_HDR_MAX];
  struct iovec iov[MH_GRO_MAX_SEGS + 2];
  unsigned k = 0;
  size_t hl = mh_gro_merge(run, head, &vh);
  iov[k].iov_base = &vh;
  iov[k++].iov_len = sizeof vh;
  if (hl == 0) {
    iov[k].iov_base = (void *)run->seg[0].p;
    iov[k++].iov_len = run->seg[0].len;
  } else {
    iov[k].iov_base = head;
    iov[k++].iov_len = hl;
    for (unsigned i = 0; i < run->n; i++) {
      iov[k].iov_base = (void *)(run->seg[i].p + hl);
      iov[k++].iov_len = run->seg[i].len - hl;
    }
  }
  ssize_t r;
  MH_RETRY_EINTR(r, writev(w->h->fd, iov, (int)k));
  if (r >= 0) w->accepted += run->n;
  else w->dropped += run->n; /* EAGAIN/ENOBUFS, or an error such as EINVAL */
}

/* tunWriteMany(handle, packets[]) -> number of packets accepted. Refused writes (queue full, or an
 * error such as EINVAL) are counted in sendDropped, never thrown: the caller is a receive path. */
static napi_value TunWriteMany(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[2], result, v;
  mh_handle *h = mh_args_open(env, info, 2, argv, &argc, "write (TUN device is closed)");
  if (!h) return NULL;
  if (!mh_arg_array(env, argv[1], "packets must be an array of Buffers")) return NULL;
  uint32_t n;
  NAPI_CALL(env, napi_get_array_length(env, argv[1], &n));
  mh_gro_run run = {.n = 0};
  gro_writer w = {h, 0, 0};
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *p = NULL;
    size_t len = 0;
    NAPI_CALL(env, napi_get_element(env, argv[1], i, &v));
    if (!mh_arg_buffer(env, v, (void **)&p, &len, "packets must be Buffers")) return NULL;
    if (!h->vnet) {
      ssize_t r;
      MH_RETRY_EINTR(r, write(h->fd, p, len));
      if (r >= 0) w.accepted++;
      else w.dropped++;
      continue;
    }
    mh_gro_push(&run, p, len, gro_write, &w);
  }
  mh_gro_flush(&run, gro_write, &w);
  h->tx_items += w.accepted;
  h->tx_dropped += w.dropped;
  NAPI_CALL(env, napi_create_double(env, w.accepted, &result));
  return result;
}

napi_value mh_tun_init(napi_env env, napi_value exports) {
  NAPI_CALL(env, mh_export(env, exports, "tunOpen", TunOpen));
  NAPI_CALL(env, mh_export(env, exports, "tunWriteMany", TunWriteMany));
  return exports;
}
