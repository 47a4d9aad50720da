// Who may hold a connection to `serve`, and for how long (issue 10 item 4).
#include <gtest/gtest.h>

#include <set>

#include "net/connection_guard.hpp"

namespace {

using kinde_claims::shim::ConnectionGuard;
using kinde_claims::shim::ConnectionLimits;
using Admission = ConnectionGuard::Admission;
using namespace std::chrono_literals;

class ConnectionGuardTest : public ::testing::Test {
protected:
    ConnectionGuard guard(unsigned total, unsigned per_client, unsigned threads = 4) {
        return ConnectionGuard(ConnectionLimits{total, per_client, 10s}, threads,
                               [this](int socket) { cut.insert(socket); });
    }
    // A connection admitted and started by its thread at `when`.
    void open(ConnectionGuard &guard, int socket, const std::string &client,
              ConnectionGuard::Clock::time_point when) {
        ASSERT_EQ(guard.admit(socket, client, when).admission, Admission::admitted) << socket;
        guard.started(socket, when);
    }

    std::set<int> cut;
    ConnectionGuard::Clock::time_point t0 = ConnectionGuard::Clock::time_point{} + 1000h;
};

TEST_F(ConnectionGuardTest, OneClientHoldsAtMostItsShare) {
    ConnectionGuard g = guard(10, 3);
    for (int socket = 10; socket < 13; ++socket)
        open(g, socket, "127.0.0.2", t0);
    EXPECT_EQ(g.admit(13, "127.0.0.2", t0).admission, Admission::over_client);
    EXPECT_EQ(g.open_connections("127.0.0.2"), 3u);
    // Another address still gets in, and a closed connection frees its client's slot.
    EXPECT_EQ(g.admit(14, "127.0.0.1", t0).admission, Admission::admitted);
    g.closed(10);
    EXPECT_EQ(g.admit(15, "127.0.0.2", t0).admission, Admission::admitted);
    EXPECT_EQ(g.open_connections(), 4u);
}

TEST_F(ConnectionGuardTest, TheTotalIsCapped) {
    ConnectionGuard g = guard(4, 4);
    for (int socket = 10; socket < 14; ++socket)
        open(g, socket, "10.0.0." + std::to_string(socket), t0);
    EXPECT_EQ(g.admit(20, "10.0.0.99", t0).admission, Admission::over_total);
    EXPECT_EQ(g.open_connections("10.0.0.99"), 0u);
    g.forget(13);  // a thread that could not take it
    EXPECT_EQ(g.admit(20, "10.0.0.99", t0).admission, Admission::admitted);
}

TEST_F(ConnectionGuardTest, ConnectionsGoToTheLeastLoadedThread) {
    ConnectionGuard g = guard(100, 100, 3);
    std::vector<int> on_thread_1;
    for (int socket = 10; socket < 19; ++socket) {
        ConnectionGuard::Admitted admitted = g.admit(socket, "127.0.0.1", t0);
        g.started(socket, t0);
        if (admitted.thread == 1)
            on_thread_1.push_back(socket);
    }
    EXPECT_EQ(g.connections_per_thread(), (std::vector<std::size_t>{3, 3, 3}));
    // Thread 1 loses two connections: the next two go there.
    ASSERT_EQ(on_thread_1.size(), 3u);
    g.closed(on_thread_1[0]);
    g.closed(on_thread_1[2]);
    EXPECT_EQ(g.admit(30, "127.0.0.1", t0).thread, 1u);
    EXPECT_EQ(g.admit(31, "127.0.0.1", t0).thread, 1u);
    EXPECT_EQ(g.connections_per_thread(), (std::vector<std::size_t>{3, 3, 3}));
}

TEST_F(ConnectionGuardTest, ARequestNotInByItsDeadlineIsCut) {
    ConnectionGuard g = guard(10, 10);
    open(g, 10, "127.0.0.2", t0);       // trickling
    open(g, 11, "127.0.0.1", t0 + 5s);  // younger
    EXPECT_TRUE(g.cut_overdue(t0 + 9s).empty());
    auto overdue = g.cut_overdue(t0 + 10s);
    ASSERT_EQ(overdue.size(), 1u);
    EXPECT_EQ(overdue[0].client, "127.0.0.2");
    EXPECT_EQ(overdue[0].age, 10000ms);
    EXPECT_EQ(cut, std::set<int>{10});
    // Cut once: the thread closes it when it sees the socket shut.
    EXPECT_TRUE(g.cut_overdue(t0 + 12s).empty());
    EXPECT_EQ(g.open_connections(), 2u);
    g.closed(10);
    EXPECT_EQ(g.open_connections(), 1u);
}

TEST_F(ConnectionGuardTest, ARequestBeingAnsweredIsNotCutAndTheNextOneGetsItsOwnDeadline) {
    ConnectionGuard g = guard(10, 10);
    open(g, 10, "127.0.0.1", t0);
    g.request_received(10);  // the RPC call may take its own time
    EXPECT_TRUE(g.cut_overdue(t0 + 60s).empty());
    g.request_done(10, t0 + 60s);  // kept alive for a next request
    EXPECT_TRUE(g.cut_overdue(t0 + 69s).empty());
    EXPECT_EQ(g.cut_overdue(t0 + 70s).size(), 1u);
}

TEST_F(ConnectionGuardTest, OnlyRunningConnectionsAreCut) {
    ConnectionGuard g = guard(10, 10);
    // Admitted but not yet started by its thread: the socket is not the thread's yet.
    ASSERT_EQ(g.admit(10, "127.0.0.1", t0).admission, Admission::admitted);
    EXPECT_TRUE(g.cut_overdue(t0 + 60s).empty());
    EXPECT_TRUE(cut.empty());
    // A socket number reused by the kernel replaces an entry whose thread never started it.
    ASSERT_EQ(g.admit(10, "127.0.0.2", t0 + 61s).admission, Admission::admitted);
    EXPECT_EQ(g.open_connections("127.0.0.1"), 0u);
    EXPECT_EQ(g.open_connections(), 1u);
}

}  // namespace
