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
#include <unistd.h>

#define TUN_DEFAULT_SLOT 65536

/* meta per packet: [offset, length, sec, nsec (read time: a TUN has no kernel timestamp), 0...] */
static int tun_read_batch(mh_handle *h, napi_value *args, size_t *argc, int *err) {
  unsigned n = 0;
  int rc = 0;
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
  if (mh_pack(h, n, &buf, &kept) != napi_ok) return 0;
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

/* tunOpen({ name?, netns?, batch? }) -> [handle, name, ifindex] */
static napi_value TunOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value opts = NULL;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &opts, NULL, NULL));
  char *name = NULL, *netns = NULL;
  unsigned batch;
  size_t slot;
  napi_value result = NULL;
  if (argc < 1) opts = NULL;
  if (mh_opt_string(env, opts, "name", &name) < 0 || mh_opt_string(env, opts, "netns", &netns) < 0 ||
      mh_opt_batch(env, opts, &batch, &slot, TUN_DEFAULT_SLOT) < 0)
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
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (name) strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { f.err = errno; f.syscall = "ioctl TUNSETIFF"; f.path = name; goto leave; }
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
  mh_handle *h = mh_handle_new(env, fd, MH_TUN, batch, slot, 0, 0, tun_read_batch, &handle);
  if (!h) goto out;
  h->ifindex = ifindex;
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

napi_value mh_tun_init(napi_env env, napi_value exports) {
  NAPI_CALL(env, mh_export(env, exports, "tunOpen", TunOpen));
  return exports;
}
