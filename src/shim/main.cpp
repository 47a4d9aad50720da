// kinde-claims-shim: see `kinde-claims-shim --help` and the README.
#include <signal.h>

#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "http_client.hpp"

int main(int argc, char **argv) {
    using namespace kinde_claims::shim;

    // Stop signals are taken by sigwait in `serve`; blocked here so every thread inherits it.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    http_global_init();

    ParsedInvocation parsed =
        parse_invocation(std::vector<std::string>(argv + 1, argv + argc), process_environment());
    if (!parsed.invocation) {
        std::cerr << "kinde-claims-shim: " << parsed.error << "\n"
                  << "Try 'kinde-claims-shim --help' or 'kinde-claims-shim COMMAND --help'.\n";
        return kExitUsage;
    }
    const Invocation &invocation = *parsed.invocation;
    if (invocation.help) {
        std::cout << usage_text(invocation.command);
        return kExitOk;
    }
    switch (invocation.command) {
    case Command::claims:
        return run_claims(invocation, std::cout, std::cerr);
    case Command::upsert:
        return run_upsert(invocation, std::cout, std::cerr);
    case Command::serve:
        return run_serve(invocation, std::cout, std::cerr);
    case Command::none:
        break;
    }
    std::cout << usage_text(Command::none);
    return kExitOk;
}
