// BitLens sharing the machine: a Hessian analysis by bitlens-cli alone and beside one stock-PyTorch
// process (tests/support/busy_torch.py, default threads), with BitLens's thread settings (idle
// OpenMP threads sleep, one thread per free core) and with LibTorch's own (spinning threads, one
// per core). Prints wall times and how much the other process slowed down.
//   bench_busy_machine [--samples N]   (default 64 Hessian samples of fmnist_resnet)

#include "bench_common.h"

#include "core/runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

using namespace bitlens;

struct Settings {
    const char* name;
    bool libtorchDefaults; // OMP_WAIT_POLICY=ACTIVE and one thread per core, as before BitLens set them
};

// The environment without OMP_WAIT_POLICY, plus `extra` when given.
std::vector<std::string> environment(const char* extra)
{
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        if (std::strncmp(*e, "OMP_WAIT_POLICY=", 16) != 0)
            env.emplace_back(*e);
    }
    if (extra)
        env.emplace_back(extra);
    return env;
}

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, int stdoutFd)
{
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> argv, envp;
        for (const std::string& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        for (const std::string& e : env)
            envp.push_back(const_cast<char*>(e.c_str()));
        argv.push_back(nullptr);
        envp.push_back(nullptr);
        dup2(stdoutFd, STDOUT_FILENO);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    return pid;
}

struct Busy {
    pid_t pid = -1;
    int out = -1;
};

Busy startBusy(const std::vector<std::string>& extraArgs = {})
{
    int fds[2];
    if (pipe(fds) != 0)
        throw std::runtime_error("pipe failed");
    std::vector<std::string> args{"/usr/bin/python3", BITLENS_BUSY_SCRIPT};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    Busy b{spawn(args, environment(nullptr), fds[1]), fds[0]};
    close(fds[1]);
    return b;
}

// Stops it (SIGTERM) unless it stops by itself, and returns its products per second.
double stopBusy(Busy b, bool terminate)
{
    if (terminate)
        kill(b.pid, SIGTERM);
    char buf[128] = {};
    const ssize_t n = read(b.out, buf, sizeof buf - 1);
    waitpid(b.pid, nullptr, 0);
    close(b.out);
    double rate = 0.0;
    if (n > 0)
        std::sscanf(buf, "products_per_second %lf", &rate);
    return rate;
}

double runAnalysis(const Settings& s, long long samples)
{
    const int null = open("/dev/null", O_WRONLY);
    std::vector<std::string> args{BITLENS_CLI_PATH, "analyze", (std::filesystem::path(demoModelDir()) / "fmnist_resnet.pt").string(),
                                  "--hessian", "--calib", std::to_string(samples), "--hessian-samples",
                                  std::to_string(samples), "--hessian-batches", "2", "--top-k", "1", "--quiet",
                                  "--out", "/tmp/bench_busy_machine.h5"};
    if (s.libtorchDefaults) {
        args.emplace_back("--threads");
        args.emplace_back(std::to_string(coreCount()));
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = spawn(args, environment(s.libtorchDefaults ? "OMP_WAIT_POLICY=ACTIVE" : nullptr), null);
    int status = 0;
    waitpid(pid, &status, 0);
    close(null);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("bitlens-cli analyze failed");
    return bench::secondsSince(start);
}

} // namespace

int main(int argc, char** argv)
{
    long long samples = 64;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--samples")
            samples = std::stoll(argv[i + 1]);
    }
    std::printf("bench_busy_machine: %d cores; bitlens-cli analyze fmnist_resnet --hessian, %lld samples in 2 batches, "
                "top-1 eigenvalue\n", coreCount(), samples);
    const double alone = stopBusy(startBusy({"--seconds", "10"}), false);
    std::printf("busy_torch.py alone: %.1f products/s\n\n", alone);
    std::printf("%-44s %12s %14s %16s\n", "BitLens threads", "idle (s)", "beside (s)", "other's slowdown");
    for (const Settings& s : {Settings{"BitLens: sleeping, one per free core", false},
                              Settings{"LibTorch's: spinning, one per core", true}}) {
        sleep(2); // the last busy process's threads gone, or BitLens counts them as busy
        const double idle = runAnalysis(s, samples);
        const Busy busy = startBusy();
        sleep(2); // let it reach its pace and be seen as busy
        const double beside = runAnalysis(s, samples);
        const double rate = stopBusy(busy, true);
        std::printf("%-44s %12.1f %14.1f %15.2fx\n", s.name, idle, beside, alone / rate);
    }
    return 0;
}
