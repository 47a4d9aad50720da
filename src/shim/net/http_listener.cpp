#include "net/http_listener.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "common/raii.hpp"

namespace kinde_claims::shim {
namespace {

using Clock = std::chrono::steady_clock;

// One request as it arrives. Made by the URI callback, which sees the request target exactly as
// sent: libmicrohttpd hands the access handler a percent-decoded path without its query, in
// which "/kinde/%77ebhook" and "/kinde/webhook?x" would both be the webhook path.
struct Request {
    std::string target;
    bool headers_seen = false;
    std::string body;  // capped at max_body_bytes
    bool too_large = false;
};

// `close`: the request's body may still be on its way, so the connection cannot be reused.
MHD_Result send(MHD_Connection *connection, const HttpAnswer &answer, bool close = false) {
    MhdResponse response(MHD_create_response_from_buffer(
        answer.body.size(), const_cast<char *>(answer.body.data()), MHD_RESPMEM_MUST_COPY));
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response.get(), MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type);
    if (answer.allow)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_ALLOW, answer.allow);
    if (answer.retry_after != 0)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_RETRY_AFTER,
                                std::to_string(answer.retry_after).c_str());
    if (close)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_CONNECTION, "close");
    return MHD_queue_response(connection, answer.status, response.get());
}

int socket_of(MHD_Connection *connection) {
    const MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

MHD_Result collect_content_length(void *context, MHD_ValueKind /*kind*/, const char *key, const char *value) {
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        static_cast<std::set<std::string> *>(context)->insert(value ? value : "");
    return MHD_YES;
}

// Where the body ends must not be a matter of opinion: with two Content-Length headers that
// differ, or one next to Transfer-Encoding, a relay and we could each take a different end
// (request smuggling). RFC 9112 §6.3 has such a request refused; identical repeats are allowed.
const char *framing_error(MHD_Connection *connection) {
    std::set<std::string> lengths;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &collect_content_length, &lengths);
    if (lengths.size() > 1)
        return "two different Content-Length headers";
    if (!lengths.empty() &&
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return "both Content-Length and Transfer-Encoding";
    return nullptr;
}

// A body may follow the headers: a connection answered before reading it is closed, not reused.
bool may_have_body(MHD_Connection *connection) {
    const char *length =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (length && std::strcmp(length, "0") != 0) ||
           MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

MHD_Result route(HttpListener &listener, MHD_Connection *connection, const char *method, const char *path,
                 const char *upload_data, size_t *upload_data_size, Request &request) {
    const HttpListener::Routes &routes = listener.routes();
    const std::size_t max_body = listener.config().max_body_bytes;
    bool takes_body = routes.takes_body(method, request.target);

    if (!request.headers_seen) {
        request.headers_seen = true;
        if (const char *error = framing_error(connection))
            return send(connection, routes.refuse(method, request.target, MHD_HTTP_BAD_REQUEST, error), true);
        if (!takes_body)
            return send(connection,
                        routes.answer(HttpRequest(connection, method, request.target, path, request.body,
                                                  false, false)),
                        may_have_body(connection));
        // A declared length over the limit is refused before a byte of it is read (and before
        // a client that sent "Expect: 100-continue" is told to go on).
        const char *length =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && std::strtoull(length, nullptr, 10) > max_body)
            return send(connection,
                        routes.answer(
                            HttpRequest(connection, method, request.target, path, request.body, false, true)),
                        true);
        return MHD_YES;
    }
    if (!takes_body) {
        *upload_data_size = 0;  // the rest of a body we answered before reading
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (!request.too_large && request.body.size() + *upload_data_size <= max_body)
            request.body.append(upload_data, *upload_data_size);
        else
            request.too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    // The whole request is in: the deadline stops while it is answered (the server's calls have
    // their own).
    listener.guard().request_received(socket_of(connection));
    return send(connection, routes.answer(HttpRequest(connection, method, request.target, path, request.body,
                                                      true, request.too_large)));
}

// No exception may unwind into libmicrohttpd's C frames: one that escapes (out of memory) drops
// the connection (and Kinde, seeing no 200, delivers again).
MHD_Result on_request(void *context, MHD_Connection *connection, const char *url, const char *method,
                      const char * /*version*/, const char *upload_data, size_t *upload_data_size,
                      void **request_state) {
    auto *request = static_cast<Request *>(*request_state);
    if (!request)
        return MHD_NO;  // on_uri could not allocate it
    try {
        return route(*static_cast<HttpListener *>(context), connection, method, url ? url : "", upload_data,
                     upload_data_size, *request);
    } catch (...) {
        return MHD_NO;
    }
}

void *on_uri(void * /*context*/, const char *uri, MHD_Connection * /*connection*/) {
    try {
        return new Request{uri ? uri : "", false, {}, false};
    } catch (...) {
        return nullptr;
    }
}

void on_completed(void *context, MHD_Connection *connection, void **request_state,
                  MHD_RequestTerminationCode /*code*/) {
    delete static_cast<Request *>(*request_state);
    *request_state = nullptr;
    static_cast<HttpListener *>(context)->guard().request_done(socket_of(connection), Clock::now());
}

void on_connection(void *context, MHD_Connection *connection, void ** /*socket_context*/,
                   MHD_ConnectionNotificationCode code) {
    ConnectionGuard &guard = static_cast<HttpListener *>(context)->guard();
    int socket = socket_of(connection);
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        guard.started(socket, Clock::now());
    else
        guard.closed(socket);  // libmicrohttpd closes the socket after this returns
}

// libmicrohttpd's own messages ("Error processing request", ...): one escaped line each.
void on_library_message(void *context, const char *format, va_list arguments) {
    char text[512];
    int length = std::vsnprintf(text, sizeof text, format, arguments);
    if (length < 0)
        return;
    std::string_view message(text, std::min(static_cast<std::size_t>(length), sizeof text - 1));
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' '))
        message.remove_suffix(1);
    try {
        static_cast<HttpListener *>(context)->log("libmicrohttpd" + log_field("message", message));
    } catch (...) {
    }
}

// The client a connection counts against: its IPv4 address, or for IPv6 its /64, since one
// holder of a /64 (the usual single allocation) can use any of its addresses.
std::string client_of(const sockaddr_storage &address) {
    char text[INET6_ADDRSTRLEN] = "";
    if (address.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(address).sin_addr, text, sizeof text);
        return text;
    }
    if (address.ss_family != AF_INET6)
        return "unknown";
    in6_addr ip = reinterpret_cast<const sockaddr_in6 &>(address).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&ip)) {
        inet_ntop(AF_INET, &ip.s6_addr[12], text, sizeof text);
        return text;
    }
    std::memset(&ip.s6_addr[8], 0, 8);
    inet_ntop(AF_INET6, &ip, text, sizeof text);
    return std::string(text) + "/64";
}

}  // namespace

const char *HttpRequest::header(const char *name) const {
    return MHD_lookup_connection_value(connection_, MHD_HEADER_KIND, name);
}

const char *HttpRequest::query(const char *name) const {
    return MHD_lookup_connection_value(connection_, MHD_GET_ARGUMENT_KIND, name);
}

HttpListener::HttpListener(ListenConfig config, Routes routes, LogLine log, Metrics &metrics)
    : config_(std::move(config)), routes_(std::move(routes)), log_(std::move(log)), metrics_(metrics),
      guard_(std::make_unique<ConnectionGuard>(config_.limits, config_.threads,
                                               [](int socket) { ::shutdown(socket, SHUT_RDWR); })) {}

HttpListener::~HttpListener() {
    stop();
}

bool HttpListener::start(std::string &error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *found = nullptr;
    std::string port = std::to_string(config_.port);
    if (int status = getaddrinfo(config_.host.c_str(), port.c_str(), &hints, &found); status != 0) {
        error = "cannot listen on " + config_.host + ": " + gai_strerror(status);
        return false;
    }
    std::string where = config_.host + ":" + port;
    listen_socket_ = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int reuse = 1;
    bool listening = listen_socket_ >= 0 &&
                     setsockopt(listen_socket_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) == 0 &&
                     bind(listen_socket_, found->ai_addr, found->ai_addrlen) == 0 &&
                     listen(listen_socket_, SOMAXCONN) == 0;
    freeaddrinfo(found);
    if (!listening) {
        error = "cannot listen on " + where + ": " + std::strerror(errno);
        stop();
        return false;
    }
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof bound;
    getsockname(listen_socket_, reinterpret_cast<sockaddr *>(&bound), &bound_length);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port
                                              : reinterpret_cast<sockaddr_in &>(bound).sin_port);

    // The idle timeout matches the deadline: between requests on a kept connection the next
    // request's deadline is already running, so no connection idles for longer either way.
    auto timeout = static_cast<unsigned>(config_.limits.request_timeout.count());
    for (unsigned i = 0; i < config_.threads; ++i) {
        // The logger goes first: options before it would still log through libmicrohttpd's own.
        MHD_Daemon *daemon = MHD_start_daemon(
            MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
            nullptr, nullptr, &on_request, this, MHD_OPTION_EXTERNAL_LOGGER, &on_library_message, this,
            MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_LIMIT,
            config_.limits.max_connections, MHD_OPTION_URI_LOG_CALLBACK, &on_uri, this,
            MHD_OPTION_NOTIFY_COMPLETED, &on_completed, this, MHD_OPTION_NOTIFY_CONNECTION, &on_connection,
            this, MHD_OPTION_END);
        if (!daemon) {
            error = "cannot start the HTTP server's threads for " + where;
            stop();
            return false;
        }
        daemons_.push_back(daemon);
    }
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        error = std::string("cannot make an eventfd: ") + std::strerror(errno);
        stop();
        return false;
    }
    acceptor_ = std::thread(&HttpListener::accept_loop, this);
    watchdog_ = std::thread(&HttpListener::watchdog_loop, this);
    return true;
}

void HttpListener::log_refusal(ConnectionGuard::Admission admission, const std::string &client) {
    metrics_.connection_refused(admission == ConnectionGuard::Admission::over_client ? "per_client"
                                                                                     : "total");
    ++refusals_unlogged_;
    auto now = Clock::now();
    if (now - last_refusal_log_ < std::chrono::seconds(1))
        return;
    last_refusal_log_ = now;
    bool per_client = admission == ConnectionGuard::Admission::over_client;
    std::string reason =
        per_client
            ? "client holds " + std::to_string(config_.limits.max_connections_per_client) + " connections"
            : "server holds " + std::to_string(config_.limits.max_connections) + " connections";
    if (config_.limits_are_options)
        reason += per_client ? " (--max-connections-per-client)" : " (--max-connections)";
    log_("connection refused" + log_field("client", client) + log_field("reason", reason) +
         " refused_since_last_line=" + std::to_string(refusals_unlogged_));
    refusals_unlogged_ = 0;
}

void HttpListener::accept_loop() {
    pollfd watched[2] = {{listen_socket_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    while (!stopping_) {
        if (poll(watched, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_(std::string("accept stopped") + log_field("reason", std::strerror(errno)));
            return;
        }
        if (watched[1].revents != 0)
            return;
        for (;;) {
            sockaddr_storage address{};
            socklen_t length = sizeof address;
            int socket = accept4(listen_socket_, reinterpret_cast<sockaddr *>(&address), &length,
                                 SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (socket < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    // Out of sockets: the pending connection stays in the backlog; try again soon.
                    log_(std::string("accept failed") + log_field("reason", std::strerror(errno)));
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
                break;  // EAGAIN: none left; ECONNABORTED, EINTR: poll again
            }
            std::string client = client_of(address);
            ConnectionGuard::Admitted admitted = guard_->admit(socket, client, Clock::now());
            if (admitted.admission != ConnectionGuard::Admission::admitted) {
                close(socket);
                log_refusal(admitted.admission, client);
                continue;
            }
            // On failure libmicrohttpd has closed the socket (and logged why).
            if (MHD_add_connection(daemons_[admitted.thread], socket, reinterpret_cast<sockaddr *>(&address),
                                   length) != MHD_YES)
                guard_->forget(socket);
        }
    }
}

void HttpListener::watchdog_loop() {
    std::unique_lock<std::mutex> lock(watchdog_mutex_);
    while (!stopping_) {
        watchdog_wake_.wait_for(lock, std::chrono::milliseconds(200));
        for (const ConnectionGuard::CutConnection &cut : guard_->cut_overdue(Clock::now())) {
            metrics_.connection_cut();
            log_("connection cut" + log_field("client", cut.client) +
                 log_field("reason", "no whole request within " +
                                         std::to_string(config_.limits.request_timeout.count()) + " s" +
                                         (config_.limits_are_options ? " (--request-timeout)" : "")) +
                 " ms=" + std::to_string(cut.age.count()));
        }
    }
}

void HttpListener::stop() {
    stopping_ = true;
    if (wake_fd_ >= 0) {
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof one);
    }
    {
        std::lock_guard<std::mutex> lock(watchdog_mutex_);
        watchdog_wake_.notify_all();
    }
    if (acceptor_.joinable())
        acceptor_.join();
    if (watchdog_.joinable())
        watchdog_.join();
    for (MHD_Daemon *daemon : daemons_)
        MHD_stop_daemon(daemon);
    daemons_.clear();
    for (int *fd : {&listen_socket_, &wake_fd_})
        if (*fd >= 0) {
            close(*fd);
            *fd = -1;
        }
}

}  // namespace kinde_claims::shim
