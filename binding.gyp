{
  "targets": [
    {
      "target_name": "mipshop_native",
      "sources": ["native/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"]
    }
  ]
}
