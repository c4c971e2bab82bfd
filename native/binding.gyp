{
  "targets": [
    {
      "target_name": "exact_gn_blas",
      "sources": ["src/addon.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-Wall", "-Wextra", "<!@(pkg-config --cflags openblas 2>/dev/null || echo -I/usr/include/x86_64-linux-gnu/openblas-pthread)"],
      "libraries": ["<!@(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)"]
    }
  ]
}
