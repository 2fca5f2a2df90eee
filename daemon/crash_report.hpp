#pragma once
// A fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) prints one line naming it and the
// crashing thread's backtrace to stderr (the journal, or the log a test captures) before the
// default action ends the process (and dumps core where that is enabled). The frames are
// `binary(+offset)`: `addr2line -f -C -e ccd OFFSET` names the function and line. Not installed
// in a sanitizer build, whose own report is better.

namespace ccd::daemon {

void installCrashReport();

}  // namespace ccd::daemon
