// Who may hold a connection to `serve`, and for how long. libmicrohttpd's own limits do not
// hold under a flood (issue 10): its timeout is idle-only, so a client sending a byte every few
// seconds keeps a connection forever, and a thread pool splits the connection limit per thread
// while its threads race to accept, so one busy thread resets genuine deliveries. Here one
// acceptor admits each connection against a total limit and a per-client limit, hands it to the
// least loaded thread, and a watchdog cuts a connection whose request is not in after a deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kinde_claims::shim {

struct ConnectionLimits {
    unsigned max_connections = 256;            // open connections, all clients together
    unsigned max_connections_per_client = 32;  // open connections from one client address
    std::chrono::seconds request_timeout{10};  // to receive a request's headers and body, whole
};

class ConnectionGuard {
public:
    using Clock = std::chrono::steady_clock;
    // Ends a connection's socket (shutdown(2) in the server); called with the guard's lock held,
    // so the socket cannot have been closed and its number reused meanwhile.
    using Cut = std::function<void(int socket)>;

    ConnectionGuard(ConnectionLimits limits, unsigned threads, Cut cut);

    enum class Admission { admitted, over_total, over_client };
    struct Admitted {
        Admission admission;
        unsigned thread = 0;  // where to run it, when admitted: the one with the fewest connections
    };
    // The acceptor, for a new socket from `client` (its address as text).
    Admitted admit(int socket, const std::string &client, Clock::time_point now);
    // The thread refused a connection it was handed (it closes the socket itself).
    void forget(int socket);

    // libmicrohttpd's threads: the connection is running (its socket is theirs until closed).
    void started(int socket, Clock::time_point now);
    // The whole request is in: no deadline while it is answered.
    void request_received(int socket);
    // The answer went out; the next request on the connection gets a deadline of its own.
    void request_done(int socket, Clock::time_point now);
    // Before the socket is closed.
    void closed(int socket);

    struct CutConnection {
        std::string client;
        std::chrono::milliseconds age;
    };
    // The watchdog: cuts every running connection whose request is past its deadline.
    std::vector<CutConnection> cut_overdue(Clock::time_point now);

    std::size_t open_connections() const;
    std::size_t open_connections(const std::string &client) const;
    std::vector<std::size_t> connections_per_thread() const;

private:
    struct Connection {
        std::string client;
        unsigned thread;
        bool running = false;    // started, and not yet closed
        bool answering = false;  // the request is in: no deadline
        bool cut = false;
        Clock::time_point since;  // when its current request began to arrive
    };
    void erase_locked(std::map<int, Connection>::iterator found);

    ConnectionLimits limits_;
    Cut cut_;
    mutable std::mutex mutex_;
    std::map<int, Connection> connections_;  // by socket
    std::map<std::string, unsigned> per_client_;
    std::vector<std::size_t> per_thread_;
};

}  // namespace kinde_claims::shim
