#pragma once
// The store's SQLite files are opened through a VFS that buffers the WAL's writes until its
// next sync: SQLite writes each frame of a commit with two pwrite calls (the frame's header,
// then its page), 70 system calls for a group commit of a dozen new conversations, then one
// fdatasync. Here the commit's frames go to the file in one pwrite just before that sync.
//
// The frames are visible to other connections only through the WAL index, which SQLite
// updates after the commit's sync (synchronous = FULL, which the store always sets): a reader
// never looks for a frame still in the buffer. A read, a size query, a truncation or a file
// control on the WAL writes the buffer out first, so the connection that wrote it reads its own
// frames. A crash loses what was buffered, which is what a crash before the sync loses anyway:
// frames after the last sync are not part of any commit.
//
// Every other file (the database, journals) passes straight through to the default VFS.

#include <cstdint>

namespace ccd::store::sqlite {

/// Registers the VFS (once) and returns its name, for sqlite3_open_v2.
const char* walBufferVfs();

/// What the VFS did since the process started, for tests and benchmarks.
struct WalBufferStats {
    std::uint64_t writes = 0;   ///< WAL writes SQLite asked for
    std::uint64_t flushes = 0;  ///< pwrite calls they became
};
WalBufferStats walBufferStats();

}  // namespace ccd::store::sqlite
