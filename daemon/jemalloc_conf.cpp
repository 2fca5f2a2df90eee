// jemalloc's options for the daemon, read by jemalloc at its first allocation (linked only when
// the daemon allocates through jemalloc: daemon/CMakeLists.txt).
//
// thp:always: the heap's extents are backed by transparent huge pages (the kernel's default
// here is `madvise`, so jemalloc asks for them). A burst of new conversations grows the engine's
// and the caches' memory all the time: with 4 KiB pages each new conversation cost about one
// page fault on the I/O threads (~5 % of their CPU); with huge pages, 0.15
// (docs/performance.md). MALLOC_CONF in the environment still overrides it.
extern "C" {
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
