#include "net/connection_guard.hpp"

#include <algorithm>

namespace kinde_claims::shim {

ConnectionGuard::ConnectionGuard(ConnectionLimits limits, unsigned threads, Cut cut)
    : limits_(limits), cut_(std::move(cut)), per_thread_(std::max(threads, 1u), 0) {}

ConnectionGuard::Admitted ConnectionGuard::admit(int socket, const std::string &client,
                                                 Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    // A socket number still listed belongs to a connection whose thread never started it (its
    // add failed without telling us); the kernel has reused the number, so the old entry goes.
    if (auto stale = connections_.find(socket); stale != connections_.end())
        erase_locked(stale);
    if (connections_.size() >= limits_.max_connections)
        return {Admission::over_total};
    unsigned &from_client = per_client_[client];
    if (from_client >= limits_.max_connections_per_client) {
        if (from_client == 0)
            per_client_.erase(client);
        return {Admission::over_client};
    }
    ++from_client;
    auto thread =
        static_cast<unsigned>(std::min_element(per_thread_.begin(), per_thread_.end()) - per_thread_.begin());
    ++per_thread_[thread];
    connections_.emplace(socket, Connection{client, thread, false, false, false, now});
    return {Admission::admitted, thread};
}

void ConnectionGuard::erase_locked(std::map<int, Connection>::iterator found) {
    auto client = per_client_.find(found->second.client);
    if (client != per_client_.end() && --client->second == 0)
        per_client_.erase(client);
    --per_thread_[found->second.thread];
    connections_.erase(found);
}

void ConnectionGuard::forget(int socket) {
    closed(socket);
}

void ConnectionGuard::started(int socket, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = connections_.find(socket); found != connections_.end()) {
        found->second.running = true;
        found->second.since = now;
    }
}

void ConnectionGuard::request_received(int socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = connections_.find(socket); found != connections_.end())
        found->second.answering = true;
}

void ConnectionGuard::request_done(int socket, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = connections_.find(socket); found != connections_.end()) {
        found->second.answering = false;
        found->second.since = now;
    }
}

void ConnectionGuard::closed(int socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = connections_.find(socket); found != connections_.end())
        erase_locked(found);
}

std::vector<ConnectionGuard::CutConnection> ConnectionGuard::cut_overdue(Clock::time_point now) {
    std::vector<CutConnection> cut;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[socket, connection] : connections_) {
        if (!connection.running || connection.answering || connection.cut ||
            now - connection.since < limits_.request_timeout)
            continue;
        connection.cut = true;
        cut_(socket);
        cut.push_back({connection.client,
                       std::chrono::duration_cast<std::chrono::milliseconds>(now - connection.since)});
    }
    return cut;
}

std::size_t ConnectionGuard::open_connections() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_.size();
}

std::size_t ConnectionGuard::open_connections(const std::string &client) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = per_client_.find(client);
    return found == per_client_.end() ? 0 : found->second;
}

std::vector<std::size_t> ConnectionGuard::connections_per_thread() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return per_thread_;
}

}  // namespace kinde_claims::shim
