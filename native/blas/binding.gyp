{
  "targets": [
    {
      "target_name": "odelab_blas",
      "sources": ["odelab_blas.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/openblas"],
      "cflags": ["-O3", "-fno-math-errno"],
      "libraries": ["-lopenblas", "-lmvec", "-lm"]
    }
  ]
}
