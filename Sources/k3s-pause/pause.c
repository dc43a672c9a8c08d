// k3s-pause: the process that holds a pod's sandbox (its namespaces) open.
//
// It is built without a C library (raw system calls, its own entry point) so that it is a
// static binary of a few kilobytes that runs in an image holding nothing else. It blocks
// SIGINT, SIGTERM and SIGCHLD and waits for them with rt_sigtimedwait instead of installing
// handlers: no signal trampoline is needed, and because blocked signals are queued even for the
// init process of a PID namespace, it behaves the same whether it is PID 1 or not.
//
// SIGINT or SIGTERM: exit with status 0. SIGCHLD: reap every exited child (as PID 1 of a pod
// whose containers share its PID namespace, orphans are re-parented to it).

typedef unsigned long word;

#if defined(__x86_64__)
enum { SYS_write = 1, SYS_rt_sigprocmask = 14, SYS_wait4 = 61, SYS_rt_sigtimedwait = 128, SYS_exit_group = 231 };

static long sys(long n, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  and $-16, %rsp\n"
        "  call pause_main\n"
        "  hlt\n");
#elif defined(__aarch64__)
enum { SYS_write = 64, SYS_rt_sigprocmask = 135, SYS_rt_sigtimedwait = 137, SYS_exit_group = 94, SYS_wait4 = 260 };

static long sys(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  bl pause_main\n"
        "  brk #0\n");
#else
#error "k3s-pause supports x86_64 and aarch64"
#endif

enum { SIGINT = 2, SIGTERM = 15, SIGCHLD = 17, SIG_BLOCK = 0, WNOHANG = 1, EINTR = 4 };

#define SIGNAL_BIT(sig) (1UL << ((sig) - 1))

static void leave(int status) {
    for (;;) sys(SYS_exit_group, status, 0, 0, 0);
}

static void say(const char *text) {
    word length = 0;
    while (text[length] != 0) length++;
    sys(SYS_write, 2, (long)text, (long)length, 0);
}

// Reaps every child that has exited, without waiting for the others.
static void reap(void) {
    for (;;) {
        int status;
        long pid = sys(SYS_wait4, -1, (long)&status, WNOHANG, 0);
        if (pid <= 0) return;
    }
}

__attribute__((used, noreturn)) void pause_main(void) {
    word wanted = SIGNAL_BIT(SIGINT) | SIGNAL_BIT(SIGTERM) | SIGNAL_BIT(SIGCHLD);
    if (sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&wanted, 0, sizeof(word)) != 0) {
        say("k3s-pause: cannot block signals\n");
        leave(2);
    }
    // Children may have exited before the mask was set (when it was started as a re-parenting
    // init): collect them now.
    reap();
    // The kernel's siginfo is 128 bytes; only the signal number (its first int) is read.
    int info[32];
    for (;;) {
        long sig = sys(SYS_rt_sigtimedwait, (long)&wanted, (long)info, 0, sizeof(word));
        if (sig == -EINTR) continue;
        if (sig < 0) {
            say("k3s-pause: waiting for signals failed\n");
            leave(2);
        }
        if (sig == SIGINT || sig == SIGTERM) leave(0);
        if (sig == SIGCHLD) reap();
    }
}
