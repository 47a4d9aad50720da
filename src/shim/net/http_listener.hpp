// The HTTP listener of `serve` and `sync --listen`. libmicrohttpd speaks HTTP; one acceptor thread
// of ours admits each connection (ConnectionGuard: total and per-client limits) and hands it to
// the least loaded of `threads` libmicrohttpd daemons, one thread each, and a watchdog cuts a
// connection whose request has not arrived by its deadline. A request whose framing is ambiguous
// is refused before any route sees it. The server behind it only turns requests into answers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "net/connection_guard.hpp"

struct MHD_Connection;
struct MHD_Daemon;

namespace kinde_claims::shim {

// What one request gets: status, body, and for a 503 the client should retry later the seconds
// for Retry-After (0: no header); for a 405, the method the target takes (the Allow header).
struct HttpAnswer {
    unsigned status;
    std::string body;
    unsigned retry_after = 0;
    const char *content_type = "application/json";
    const char *allow = nullptr;
};

struct ListenConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port (HttpListener::port() says which)
    unsigned threads = 1;
    // The idle timeout of a kept connection is limits.request_timeout too.
    ConnectionLimits limits;
    std::size_t max_body_bytes = 0;  // a longer body is not kept (HttpRequest::too_large)
    // Whether the limits come from serve's options: the log lines then name them
    // ("(--max-connections)").
    bool limits_are_options = false;
};

// One request, as a route sees it; valid only during the call it is given to.
class HttpRequest {
public:
    HttpRequest(MHD_Connection *connection, std::string_view method, std::string_view target,
                std::string_view path, const std::string &body, bool body_read, bool too_large)
        : method(method), target(target), path(path), body(body), body_read(body_read), too_large(too_large),
          connection_(connection) {}

    std::string_view method;
    std::string_view target;  // exactly as sent, with its query: "/kinde/%77ebhook" is not decoded
    std::string_view path;    // libmicrohttpd's reading of it: percent-decoded, without the query
    const std::string &body;  // at most max_body_bytes
    // False when answered at its headers: a route that takes no body, or a declared length over
    // max_body_bytes (too_large is then set and the body is empty).
    bool body_read;
    bool too_large;  // the body is (or was declared) longer than max_body_bytes

    // A header's value, or nullptr when it is absent.
    const char *header(const char *name) const;
    // A query argument, percent-decoded by libmicrohttpd, or nullptr when it is absent.
    const char *query(const char *name) const;

private:
    MHD_Connection *connection_;
};

class HttpListener {
public:
    struct Routes {
        // Whether the body of a request is read before it is answered (a POST the server takes);
        // every other request is answered once its headers are in.
        std::function<bool(std::string_view method, std::string_view target)> takes_body;
        std::function<HttpAnswer(const HttpRequest &request)> answer;
        // A request refused before `answer` (its framing is wrong): status 400 and why.
        std::function<HttpAnswer(std::string_view method, std::string_view target, unsigned status,
                                 const std::string &reason)>
            refuse;
    };

    // Refused and cut connections are counted in `metrics` and logged through `log`.
    HttpListener(ListenConfig config, Routes routes, LogLine log, Metrics &metrics);
    ~HttpListener();
    HttpListener(const HttpListener &) = delete;
    HttpListener &operator=(const HttpListener &) = delete;

    // Starts listening; true once requests are being served, else false with `error` set.
    bool start(std::string &error);
    // The port it listens on (the one picked, when the configuration said 0).
    std::uint16_t port() const { return port_; }
    // Stops accepting and ends every connection; safe to call twice.
    void stop();

    // For libmicrohttpd's callbacks.
    ConnectionGuard &guard() { return *guard_; }
    const Routes &routes() const { return routes_; }
    const ListenConfig &config() const { return config_; }
    void log(const std::string &line) { log_(line); }

private:
    void accept_loop();
    void watchdog_loop();
    void log_refusal(ConnectionGuard::Admission admission, const std::string &client);

    ListenConfig config_;
    Routes routes_;
    LogLine log_;
    Metrics &metrics_;
    std::unique_ptr<ConnectionGuard> guard_;
    std::vector<MHD_Daemon *> daemons_;
    int listen_socket_ = -1;
    int wake_fd_ = -1;  // an eventfd that wakes the acceptor to stop
    std::atomic<bool> stopping_{false};
    std::thread acceptor_;
    std::thread watchdog_;
    std::mutex watchdog_mutex_;
    std::condition_variable watchdog_wake_;
    std::uint16_t port_ = 0;
    // Refused connections are logged at most once a second, with how many went unlogged.
    std::chrono::steady_clock::time_point last_refusal_log_{};
    unsigned refusals_unlogged_ = 0;
};

}  // namespace kinde_claims::shim
