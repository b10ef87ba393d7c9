{
  "targets": [
    {
      "target_name": "mipshop_native",
      "sources": [
        "native/addon.c",
        "native/args.c",
        "native/offload.c",
        "native/netns.c",
        "native/poll.c",
        "native/packet.c",
        "native/raw6.c",
        "native/tun.c"
      ],
      "defines": [
        "_GNU_SOURCE"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2",
        "-std=gnu11"
      ]
    },
    {
      "target_name": "mipshop-timeline",
      "type": "executable",
      "sources": [
        "native/timeline/applier.c"
      ],
      "defines": [
        "_GNU_SOURCE"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2",
        "-std=gnu11",
        "-pthread"
      ],
      "libraries": [
        "-lpthread"
      ]
    }
  ]
}
