// Sends one statement whose parameters are read byte for byte from files, so a test can put into
// a bind parameter what no SQL literal can carry: NUL bytes, invalid UTF-8, megabytes of input.
//
// Usage: kc_pq_probe [--binary] SQL [PARAM-FILE...]   (connection from the PG* environment)
// --binary sends the parameters in binary format (for text and jsonb: the bytes as they are).
// Prints "ok VALUE" (the first column of the first row, or the command status when there is no
// row) or "error SQLSTATE MESSAGE". Exit status 0 when the server answered, 2 otherwise.
#include <libpq-fe.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

bool read_file(const char *path, std::string &bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    int arg = 1;
    bool binary = arg < argc && std::strcmp(argv[arg], "--binary") == 0;
    if (binary)
        ++arg;
    if (arg >= argc) {
        std::fprintf(stderr, "usage: %s [--binary] SQL [PARAM-FILE...]\n", argv[0]);
        return 2;
    }
    const char *sql = argv[arg++];

    std::vector<std::string> params;
    for (; arg < argc; ++arg) {
        params.emplace_back();
        if (!read_file(argv[arg], params.back())) {
            std::fprintf(stderr, "cannot read %s\n", argv[arg]);
            return 2;
        }
    }
    std::vector<const char *> values;
    std::vector<int> lengths, formats;
    for (const std::string &param : params) {
        values.push_back(param.data());
        lengths.push_back(static_cast<int>(param.size()));
        formats.push_back(binary ? 1 : 0);
    }

    Connection conn(PQconnectdb(""), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::fprintf(stderr, "%s", PQerrorMessage(conn.get()));
        return 2;
    }
    Result result(PQexecParams(conn.get(), sql, static_cast<int>(params.size()), nullptr, values.data(),
                               lengths.data(), formats.data(), 0),
                  &PQclear);
    switch (PQresultStatus(result.get())) {
    case PGRES_TUPLES_OK:
        if (PQntuples(result.get()) > 0 && PQnfields(result.get()) > 0) {
            std::printf("ok %s\n", PQgetisnull(result.get(), 0, 0) ? "NULL" : PQgetvalue(result.get(), 0, 0));
            return 0;
        }
        [[fallthrough]];
    case PGRES_COMMAND_OK:
        std::printf("ok %s\n", PQcmdStatus(result.get()));
        return 0;
    default:
        if (PQstatus(conn.get()) == CONNECTION_BAD) {
            std::fprintf(stderr, "connection lost: %s", PQerrorMessage(conn.get()));
            return 2;
        }
        const char *sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
        const char *message = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
        std::printf("error %s %s\n", sqlstate ? sqlstate : "?????", message ? message : "");
        return 0;
    }
}
