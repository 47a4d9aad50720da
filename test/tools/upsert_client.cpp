// One of the crash suite's clients: upserts profiles in a loop and writes a line before each
// write ("try") and one after the server acknowledged its COMMIT ("ack"), flushed at once, so
// that after a crash every acknowledged write can be looked for.
//
// Usage: kc_upsert_client CLIENT WRITES   (connection from the PG* environment variables)
// Lines, tab-separated: try|ack CLIENT SEQ KINDE_ID LIFETIME_SUBSCRIBER
// The claims written are {"client": CLIENT, "seq": SEQ}. Every fourth write goes to one of 16
// ids all clients share, so first inserts of one id race between clients.
// Exit status: 0 when all writes were done or the connection was lost (the crash), 1 otherwise.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

void log_line(const char *kind, int client, long seq, const std::string &kinde_id, bool lifetime_subscriber) {
    std::printf("%s\t%d\t%ld\t%s\t%s\n", kind, client, seq, kinde_id.c_str(),
                lifetime_subscriber ? "t" : "f");
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s CLIENT WRITES\n", argv[0]);
        return 1;
    }
    const int client = std::atoi(argv[1]);
    const long writes = std::atol(argv[2]);

    Connection conn(PQconnectdb(""), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::fprintf(stderr, "client %d: %s", client, PQerrorMessage(conn.get()));
        return 1;
    }
    for (long seq = 1; seq <= writes; ++seq) {
        std::string kinde_id = seq % 4 == 0
                                   ? "kp_shared" + std::to_string(seq / 4 % 16)
                                   : "kp_c" + std::to_string(client) + "n" + std::to_string(seq % 97);
        bool lifetime_subscriber = seq % 3 == 0;
        std::string claims =
            "{\"client\": " + std::to_string(client) + ", \"seq\": " + std::to_string(seq) + "}";
        const char *values[3] = {kinde_id.c_str(), lifetime_subscriber ? "true" : "false", claims.c_str()};

        log_line("try", client, seq, kinde_id, lifetime_subscriber);
        Result result(PQexecParams(conn.get(), "SELECT kinde_profile_upsert($1, $2::boolean, $3::jsonb)", 3,
                                   nullptr, values, nullptr, nullptr, 0),
                      &PQclear);
        if (PQresultStatus(result.get()) == PGRES_TUPLES_OK) {
            log_line("ack", client, seq, kinde_id, lifetime_subscriber);
            continue;
        }
        bool lost = PQstatus(conn.get()) == CONNECTION_BAD;
        std::fprintf(stderr, "client %d, write %ld: %s%s", client, seq, lost ? "connection lost: " : "",
                     PQerrorMessage(conn.get()));
        return lost ? 0 : 1;
    }
    return 0;
}
