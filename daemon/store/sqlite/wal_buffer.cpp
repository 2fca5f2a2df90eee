#include "daemon/store/sqlite/wal_buffer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace ccd::store::sqlite {
namespace {

constexpr const char* kName = "ccd-walbuf";
// Above this the buffer is written out and started again: a commit of a few hundred pages
// stays in one write, a bulk import does not hold its whole WAL in memory.
constexpr std::size_t kMaxBuffer = std::size_t{4} << 20;

sqlite3_vfs* g_base = nullptr;  // the default VFS ("unix"), which does the I/O
sqlite3_vfs g_vfs;
std::atomic<std::uint64_t> g_writes{0}, g_flushes{0};

// SQLite allocates szOsFile bytes per open file: this struct, then the base VFS's file.
struct BufferedFile {
    sqlite3_file file;  // first: SQLite calls through file.pMethods, ours
    sqlite3_file* base;
    bool wal;
    char* data;
    std::size_t size;      // bytes buffered
    std::size_t capacity;  // bytes allocated
    sqlite3_int64 offset;  // where the buffered bytes go in the file
};

BufferedFile* self(sqlite3_file* f) { return reinterpret_cast<BufferedFile*>(f); }
const sqlite3_io_methods* baseOf(BufferedFile* f) { return f->base->pMethods; }

int flush(BufferedFile* f) {
    // The unix VFS writes at most 128 KiB - 1 in one call (os_unix.c masks the length with
    // 0x1ffff and reports SQLITE_FULL for the rest): larger runs go in pieces below that.
    constexpr std::size_t kPiece = std::size_t{120} << 10;
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < f->size && rc == SQLITE_OK; done += kPiece) {
        const std::size_t n = std::min(kPiece, f->size - done);
        g_flushes.fetch_add(1, std::memory_order_relaxed);
        rc = baseOf(f)->xWrite(f->base, f->data + done, static_cast<int>(n),
                               f->offset + static_cast<sqlite3_int64>(done));
    }
    f->size = 0;
    return rc;
}

bool overlaps(const BufferedFile* f, sqlite3_int64 offset, sqlite3_int64 amount) {
    return f->size > 0 && offset < f->offset + static_cast<sqlite3_int64>(f->size) &&
           offset + amount > f->offset;
}

int xClose(sqlite3_file* p) {
    auto* f = self(p);
    const int rc = flush(f);
    const int closed = baseOf(f)->xClose(f->base);
    std::free(f->data);
    f->data = nullptr;
    return rc != SQLITE_OK ? rc : closed;
}

int xRead(sqlite3_file* p, void* out, int amount, sqlite3_int64 offset) {
    auto* f = self(p);
    if (overlaps(f, offset, amount)) {
        if (int rc = flush(f); rc != SQLITE_OK) return rc;
    }
    return baseOf(f)->xRead(f->base, out, amount, offset);
}

int xWrite(sqlite3_file* p, const void* in, int amount, sqlite3_int64 offset) {
    auto* f = self(p);
    if (!f->wal) return baseOf(f)->xWrite(f->base, in, amount, offset);
    g_writes.fetch_add(1, std::memory_order_relaxed);
    const auto n = static_cast<std::size_t>(amount);
    // The next bytes of the run being buffered: appended. Anything else (a frame rewritten in
    // place, the header at a restart) writes the run out first, so writes land in their order.
    const bool appends =
        f->size > 0 && offset == f->offset + static_cast<sqlite3_int64>(f->size);
    if (!appends || f->size + n > kMaxBuffer) {
        if (int rc = flush(f); rc != SQLITE_OK) return rc;
        f->offset = offset;
    }
    if (f->size + n > f->capacity) {
        const std::size_t want = std::min(kMaxBuffer, std::max(f->capacity * 2, f->size + n));
        auto* grown = static_cast<char*>(std::realloc(f->data, std::max(want, f->size + n)));
        if (!grown) {  // no memory for the run: what is buffered, then this write, as they are
            if (int rc = flush(f); rc != SQLITE_OK) return rc;
            g_flushes.fetch_add(1, std::memory_order_relaxed);
            return baseOf(f)->xWrite(f->base, in, amount, offset);
        }
        f->data = grown;
        f->capacity = std::max(want, f->size + n);
    }
    std::memcpy(f->data + f->size, in, n);
    f->size += n;
    return SQLITE_OK;
}

int xTruncate(sqlite3_file* p, sqlite3_int64 size) {
    auto* f = self(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return baseOf(f)->xTruncate(f->base, size);
}

int xSync(sqlite3_file* p, int flags) {
    auto* f = self(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return baseOf(f)->xSync(f->base, flags);
}

int xFileSize(sqlite3_file* p, sqlite3_int64* size) {
    auto* f = self(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return baseOf(f)->xFileSize(f->base, size);
}

int xLock(sqlite3_file* p, int level) { return baseOf(self(p))->xLock(self(p)->base, level); }
int xUnlock(sqlite3_file* p, int level) {
    auto* f = self(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return baseOf(f)->xUnlock(f->base, level);
}
int xCheckReservedLock(sqlite3_file* p, int* out) {
    return baseOf(self(p))->xCheckReservedLock(self(p)->base, out);
}
int xFileControl(sqlite3_file* p, int op, void* arg) {
    auto* f = self(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return baseOf(f)->xFileControl(f->base, op, arg);
}
int xSectorSize(sqlite3_file* p) { return baseOf(self(p))->xSectorSize(self(p)->base); }
int xDeviceCharacteristics(sqlite3_file* p) {
    return baseOf(self(p))->xDeviceCharacteristics(self(p)->base);
}
int xShmMap(sqlite3_file* p, int region, int size, int extend, void volatile** out) {
    return baseOf(self(p))->xShmMap(self(p)->base, region, size, extend, out);
}
int xShmLock(sqlite3_file* p, int offset, int n, int flags) {
    return baseOf(self(p))->xShmLock(self(p)->base, offset, n, flags);
}
void xShmBarrier(sqlite3_file* p) { baseOf(self(p))->xShmBarrier(self(p)->base); }
int xShmUnmap(sqlite3_file* p, int deleteFlag) {
    return baseOf(self(p))->xShmUnmap(self(p)->base, deleteFlag);
}
int xFetch(sqlite3_file* p, sqlite3_int64 offset, int amount, void** out) {
    auto* f = self(p);
    if (overlaps(f, offset, amount)) {
        if (int rc = flush(f); rc != SQLITE_OK) return rc;
    }
    return baseOf(f)->xFetch(f->base, offset, amount, out);
}
int xUnfetch(sqlite3_file* p, sqlite3_int64 offset, void* page) {
    return baseOf(self(p))->xUnfetch(self(p)->base, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,           xClose,        xRead,         xWrite,     xTruncate,
    xSync,       xFileSize,     xLock,         xUnlock,    xCheckReservedLock,
    xFileControl, xSectorSize,  xDeviceCharacteristics,    xShmMap,
    xShmLock,    xShmBarrier,   xShmUnmap,     xFetch,     xUnfetch,
};

int xOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
    auto* f = self(p);
    f->file.pMethods = nullptr;
    f->base = reinterpret_cast<sqlite3_file*>(f + 1);
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->data = nullptr;
    f->size = 0;
    f->capacity = 0;
    f->offset = 0;
    const int rc = g_base->xOpen(g_base, name, f->base, flags, out_flags);
    // SQLite closes a file whose pMethods is set, even when the open failed.
    if (f->base->pMethods) {
        // The unix VFS's files are version 3 (shared memory, memory maps): WAL needs 2.
        if (f->base->pMethods->iVersion < 3) {
            f->base->pMethods->xClose(f->base);
            return SQLITE_CANTOPEN;
        }
        f->file.pMethods = &kMethods;
    }
    return rc;
}

// The rest of the VFS is the base's, called with the base.
int xDelete(sqlite3_vfs*, const char* name, int sync) { return g_base->xDelete(g_base, name, sync); }
int xAccess(sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_base->xAccess(g_base, name, flags, out);
}
int xFullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return g_base->xFullPathname(g_base, name, n, out);
}
void* xDlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void xDlError(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*xDlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return g_base->xDlSym(g_base, handle, symbol);
}
void xDlClose(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int xRandomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int xSleep(sqlite3_vfs*, int micros) { return g_base->xSleep(g_base, micros); }
int xCurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int xGetLastError(sqlite3_vfs*, int n, char* out) { return g_base->xGetLastError(g_base, n, out); }
int xCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
    return g_base->xCurrentTimeInt64(g_base, out);
}

}  // namespace

const char* walBufferVfs() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_base = sqlite3_vfs_find(nullptr);
        g_vfs = sqlite3_vfs{};
        g_vfs.iVersion = 2;
        g_vfs.szOsFile = static_cast<int>(sizeof(BufferedFile)) + g_base->szOsFile;
        g_vfs.mxPathname = g_base->mxPathname;
        g_vfs.zName = kName;
        g_vfs.xOpen = xOpen;
        g_vfs.xDelete = xDelete;
        g_vfs.xAccess = xAccess;
        g_vfs.xFullPathname = xFullPathname;
        g_vfs.xDlOpen = xDlOpen;
        g_vfs.xDlError = xDlError;
        g_vfs.xDlSym = xDlSym;
        g_vfs.xDlClose = xDlClose;
        g_vfs.xRandomness = xRandomness;
        g_vfs.xSleep = xSleep;
        g_vfs.xCurrentTime = xCurrentTime;
        g_vfs.xGetLastError = xGetLastError;
        g_vfs.xCurrentTimeInt64 = xCurrentTimeInt64;
        sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
    });
    return kName;
}

WalBufferStats walBufferStats() {
    return {g_writes.load(std::memory_order_relaxed), g_flushes.load(std::memory_order_relaxed)};
}

}  // namespace ccd::store::sqlite
