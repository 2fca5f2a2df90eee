#!/usr/bin/env python3
"""Where ccd's CPU went during a benchmark: a perf profile of the daemon, by stage and by thread.

    tests/bench/stages.py PERF_DATA CPU_US [LABEL]

PERF_DATA is `perf record -F 999 -p PID` of ccd during the load; CPU_US is ccd's CPU
microseconds per message in the same run (user + system, all threads, from /proc), so that each
stage's share is also given in microseconds per message.

A sample counts for the function it was in (self time). Kernel time is read two ways:
- without call graphs, by the kernel function's name. On a paravirtualized machine most kernel
  samples land in the function that turns interrupts back on (`pvm_irq_enable`), whatever the
  system call was: those are counted as "kernel: interrupts on (no call graph)";
- recorded with `-g` (the benchmark's PERF_CALLGRAPH=1), by the system call that entered the
  kernel: the first user-space frame of the sample's chain (sendmsg is network, fdatasync disk,
  a futex wait or wake threads waking). This needs no frame pointers in ccd: the kernel's part
  of the chain is complete, and its first user frame is the libc wrapper of the call.

Stages are read off each sample's library and symbol (first rule that matches). The engine's
steps run on the I/O threads, so the threads alone cannot separate them. ICU is split by
symbol: break iteration, normalization, regular expressions and character properties belong
to classification; formatting, calendars and time zones to templates and SLA times. This is an
attribution by name, not by call path: a helper called from two stages (malloc, memcpy, the
kernel's network stack) is a stage of its own.
"""
import re
import subprocess
import sys

# (stage, pattern over "library symbol"), first match wins.
STAGES = [
    ("classification", r"ccd::routing::(Classifier|CategoryModel|TermMatcher|RegexSet|Tokenizer|"
     r"NaiveBayes|SafetyDetector|SoftmaxModel|UrgencyModel|LanguageDetector|SentimentAnalyzer|"
     r"TextNormalizer|HanTables|isWordCharacter|\(anonymous namespace\)::(appendUtf8|stem))"
     r"|icu_\d+::(RegexMatcher|RuleBasedBreakIterator|BreakIterator|Normalizer2|UnicodeSet|"
     r"ReorderingBuffer|UCharsTrie|RBBI)|u_getUnicodeProperties|uscript_|u_isalnum|u_charType|"
     r"u_strFromUTF8|u_foldCase|ucase_|UnicodeString::(char32At|doAppend|toUTF8)"),
    ("templates, SLA times (ICU formatting)", r"ccd::templates::|icu_\d+::(SimpleDateFormat|"
     r"DateFormat|Calendar|Gregorian|TimeZone|OlsonTimeZone|MessageFormat|number::|NumberFormat|"
     r"DecimalFormat|Formattable|FieldPosition|DateTimePattern|SimpleTimeZone)"),
    ("engine: rules, SLA clocks, dispatch", r"ccd::routing::"),
    ("store: SQLite", r"libsqlite3|\bsqlite3"),
    ("store: ccd", r"ccd::store::"),
    ("JSON", r"nlohmann"),
    ("websocket (websocketpp), console hub", r"websocketpp|ccd::daemon::console::"),
    ("HTTP (Beast, Asio, ccd's server)", r"boost::beast|boost::asio|ccd::daemon::http|HttpServer"),
    ("malloc, free", r"libjemalloc|\b(malloc|free|cfree|_int_malloc|_int_free|realloc|calloc|"
     r"operator new|operator delete|tcache|malloc_consolidate|unlink_chunk)\b"),
    ("locks, shared_ptr counts", r"_Sp_counted_base|pthread_mutex|pthread_cond|__lll_lock|"
     r"pthread_spin"),
    ("memcpy, strings", r"\b(__memmove|__memcpy|__memset|__memcmp|__strlen|__memchr|"
     r"std::__cxx11::basic_string)"),
    ("kernel: network", r"\[k\] .*(tcp_|ip_|sock|skb|net_|__sys_(sendto|recvfrom)|recv|send|"
     r"epoll|inet_|__dev_queue|loopback|napi|__netif)"),
    ("kernel: disk, flush", r"\[k\] .*(ext4|jbd2|blk_|fsync|fdatasync|bio_|nvme|virtio|"
     r"submit_bio|filemap|writeback|iomap)"),
    ("kernel: interrupts on (no call graph)", r"\[k\] .*irq_enable"),
    ("kernel: threads waking, futex", r"\[k\] .*(futex|schedule|switch_|wake|spin_|try_to_wake|"
     r"finish_task|pick_next|enqueue|dequeue|update_curr|irq|rcu|select_task|ttwu)"),
    ("kernel: other", r"\[k\]"),
    ("other ccd code", r"ccd::"),
    ("other", r""),
]


# With call graphs: a kernel sample's stage by the user-space function that entered the kernel
# (the libc wrapper of the system call), first match wins; no user frame: a page fault or an
# interrupt taken in the kernel's own threads of work.
KERNEL_BY_CALLER = [
    ("kernel: network", r"send|recv|epoll|accept|writev|readv|socket|setsockopt|shutdown"),
    ("kernel: disk, flush", r"fdatasync|fsync|pwrite|pread|__libc_write|__libc_read|fcntl|"
     r"lseek|ftruncate|__open|close"),
    ("kernel: threads waking, futex", r"futex|pthread_|__lll_|sem_|sched_yield|nanosleep|"
     r"clock_nanosleep"),
    ("kernel: memory (mmap, madvise)", r"mmap|munmap|madvise|mprotect|brk"),
]


def chains(data):
    """(leaf "dso [k|.] symbol", stage or None) for each sample of a profile with call graphs;
    [] when the profile has none."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"],
                         capture_output=True, text=True, check=False).stdout
    compiled = [(name, re.compile(p)) for name, p in KERNEL_BY_CALLER]
    samples, deep = [], False
    for block in out.split("\n\n"):
        frames = []
        for line in block.splitlines()[1:]:
            m = re.match(r"\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$", line)
            if m:
                frames.append((m.group(1), m.group(2), m.group(3)))
        if not frames:
            continue
        deep = deep or len(frames) > 1
        ip, sym, dso = frames[0]
        kernel = ip.startswith("ffffffff")
        leaf = f"{dso} {'[k]' if kernel else '[.]'} {sym}"
        stage = None
        if kernel:
            caller = next((f for f in frames if not f[0].startswith("ffffffff")), None)
            if caller is None:
                stage = "kernel: page faults, interrupts"
            else:
                stage = next((n for n, p in compiled if p.search(caller[1])), "kernel: other")
        samples.append((leaf, stage))
    return samples if deep else []


def report(data, sort):
    out = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none",
         "--sort", sort, "--percent-limit", "0"],
        capture_output=True, text=True, check=False).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(.*)$", line)
        if m:
            rows.append((float(m.group(1)), m.group(2)))
    return rows


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    data, cpu_us = sys.argv[1], float(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    by_stage = {name: 0.0 for name, _ in STAGES}
    compiled = [(name, re.compile(p)) for name, p in STAGES]
    by_chain = chains(data)
    if by_chain:
        samples = [(100.0 / len(by_chain), leaf) for leaf, _ in by_chain]
        stages = [stage for _, stage in by_chain]
    else:
        samples = report(data, "dso,sym")
        stages = [None] * len(samples)
    if not samples:
        print(f"stages{label}: no samples in {data}")
        return 1
    for (share, what), stage in zip(samples, stages):
        if stage:
            by_stage[stage] = by_stage.get(stage, 0.0) + share
            continue
        for name, pattern in compiled:
            if pattern.search(what):
                by_stage[name] += share
                break
    title = f" ({label})" if label else ""
    print(f"where ccd's CPU went{title}: {cpu_us:.0f} us per message")
    print(f"  {'stage':<40} {'share':>7} {'us/msg':>8}")
    for name, share in sorted(by_stage.items(), key=lambda kv: -kv[1]):
        if share >= 0.05:
            print(f"  {name:<40} {share:6.1f}% {share * cpu_us / 100:8.1f}")
    threads = {}
    for share, what in report(data, "comm"):
        # I/O threads are numbered by nothing: group by name.
        threads[what.strip()] = threads.get(what.strip(), 0.0) + share
    print(f"  {'by thread':<40} {'share':>7} {'us/msg':>8}")
    for name, share in sorted(threads.items(), key=lambda kv: -kv[1]):
        if share >= 0.05:
            print(f"  {name:<40} {share:6.1f}% {share * cpu_us / 100:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
