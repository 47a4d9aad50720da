#include "config.hpp"

#include <arpa/inet.h>
#include <getopt.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kinde_claims::shim {
namespace {

constexpr const char *kExitCodesText =
    "Exit codes:\n"
    "  0   done\n"
    "  64  usage error: bad flags or arguments, missing configuration\n"
    "  65  rejected: the input broke a rule, or PostgREST answered 4xx\n"
    "  69  unavailable: no answer, a timeout, or PostgREST answered 5xx (try again)\n"
    "  70  PostgREST gave an answer that makes no sense\n";

constexpr const char *kClientText =
    "  --url URL             PostgREST base URL (env KINDE_CLAIMS_URL), e.g.\n"
    "                        https://db.example.com or https://PROJECT.supabase.co/rest/v1\n"
    "  --api-key-file PATH   file holding the JWT to call PostgREST with (env KINDE_CLAIMS_API_KEY\n"
    "                        holds the JWT itself); without one, calls run as the anon role\n"
    "                        (env KINDE_CLAIMS_GATEWAY_KEY: Supabase's project key for the apikey header)\n"
    "  --timeout MS          whole-request timeout in milliseconds (default 5000)\n";

enum Option {
    kHelp = 'h',
    kUrl = 1000,
    kApiKeyFile,
    kTimeout,
    kLifetimeSubscriber,
    kClaims,
    kListen,
    kKindeDomain,
    kJwksUrl,
    kJwksFile,
    kThreads,
};

std::optional<long> parse_positive(const std::string &text, long max) {
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value < 1 || value > max)
        return std::nullopt;
    return value;
}

std::string trim_trailing_space(std::string text) {
    while (!text.empty() &&
           (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.pop_back();
    return text;
}

// "HOST:PORT" or "[V6ADDR]:PORT"; PORT may be 0 (any free port).
bool parse_listen(const std::string &text, ServeConfig &serve) {
    std::string host, port;
    if (!text.empty() && text[0] == '[') {
        std::size_t close = text.find("]:");
        if (close == std::string::npos)
            return false;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        std::size_t colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon)
            return false;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty())
        return false;
    long port_number = 0;
    if (port != "0") {
        auto parsed = parse_positive(port, 65535);
        if (!parsed)
            return false;
        port_number = *parsed;
    }
    serve.listen_host = host;
    serve.listen_port = static_cast<std::uint16_t>(port_number);
    return true;
}

bool is_loopback_host(const std::string &host) {
    in_addr ipv4;
    if (inet_pton(AF_INET, host.c_str(), &ipv4) == 1)
        return (ntohl(ipv4.s_addr) >> 24) == 127;
    return host == "localhost" || host == "[::1]";
}

std::string strip_trailing_slashes(std::string url) {
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    return url;
}

}  // namespace

Environment process_environment() {
    return [](const std::string &name) -> std::optional<std::string> {
        const char *value = std::getenv(name.c_str());
        if (!value || !*value)
            return std::nullopt;
        return std::string(value);
    };
}

std::optional<std::string> jwks_url_for_domain(const std::string &domain) {
    std::string host = domain;
    if (host.rfind("https://", 0) == 0)
        host = host.substr(8);
    host = strip_trailing_slashes(host);
    if (host.empty())
        return std::nullopt;
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '.' || c == ':';
        if (!ok)
            return std::nullopt;
    }
    return "https://" + host + "/.well-known/jwks.json";
}

std::string check_jwks_url(const std::string &url) {
    if (url.rfind("https://", 0) == 0 && url.size() > 8)
        return {};
    if (url.rfind("http://", 0) == 0) {
        std::string rest = url.substr(7);
        std::string host = rest.substr(0, rest.find('/'));
        if (host.rfind('[', 0) == 0)
            host = host.substr(0, host.find(']') + 1);
        else
            host = host.substr(0, host.find(':'));
        if (is_loopback_host(host))
            return {};
        return "JWKS URL " + url + " must use https (plain http is allowed only on the loopback interface)";
    }
    return "JWKS URL " + url + " is not an https URL";
}

std::string usage_text(Command command) {
    switch (command) {
    case Command::claims:
        return std::string("Usage: kinde-claims-shim claims USER_ID [--url URL] [--api-key-file PATH] "
                           "[--timeout MS]\n"
                           "\n"
                           "Prints the custom claims of a Kinde user as JSON: exactly what the Kinde token\n"
                           "workflow gets from its one call, GET /rpc/kinde_claims_for?user_id=USER_ID.\n"
                           "An unknown user gets the defaults, {\"lifetime_subscriber\": false}.\n"
                           "\n") +
               kClientText + "\n" + kExitCodesText;
    case Command::upsert:
        return std::string("Usage: kinde-claims-shim upsert USER_ID [--lifetime-subscriber true|false]\n"
                           "                              [--claims JSON] [--url URL] [--api-key-file PATH]\n"
                           "\n"
                           "Creates or updates a profile with one call, POST /rpc/kinde_profile_upsert, and\n"
                           "prints the claims its token will carry. A value not given is kept.\n"
                           "\n"
                           "  --lifetime-subscriber true|false\n"
                           "  --claims JSON         a JSON object; replaces the custom claims\n") +
               kClientText + "\n" + kExitCodesText;
    case Command::serve:
        return std::string(
                   "Usage: kinde-claims-shim serve [--listen ADDR:PORT] [--kinde-domain DOMAIN | --jwks-url "
                   "URL\n"
                   "                               | --jwks-file PATH] [--threads N] [--url URL] ...\n"
                   "\n"
                   "Receives Kinde webhooks on POST /kinde/webhook and applies each verified event with\n"
                   "one call, POST /rpc/kinde_webhook_apply. GET /healthz answers 200 when the signing\n"
                   "keys are loaded, 503 before.\n"
                   "Answers: 200 applied, duplicate, stale or ignored; 400 malformed; 401 bad signature or\n"
                   "unknown key; 413 larger than 64 KiB; 415 not application/jwt; 503 PostgREST or the\n"
                   "database unavailable (Kinde retries).\n"
                   "\n"
                   "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080; port 0 picks one)\n"
                   "  --kinde-domain DOMAIN your Kinde domain, keys from "
                   "https://DOMAIN/.well-known/jwks.json\n"
                   "                        (env KINDE_DOMAIN)\n"
                   "  --jwks-url URL        the JWKS URL itself (env KINDE_JWKS_URL)\n"
                   "  --jwks-file PATH      a JWKS file, read again when an unknown kid arrives (env\n"
                   "                        KINDE_JWKS_FILE); used first, then the URL, then the domain\n"
                   "  --threads N           request threads, each with its own connection (default 4)\n") +
               kClientText + "\n" + kExitCodesText;
    case Command::none:
        break;
    }
    return std::string("Usage: kinde-claims-shim COMMAND [OPTIONS]\n"
                       "\n"
                       "The network edge of kinde_claims: PostgREST RPC calls out, Kinde webhooks in.\n"
                       "\n"
                       "Commands:\n"
                       "  claims USER_ID        print a user's token claims (the token workflow's call)\n"
                       "  upsert USER_ID ...    create or update a profile\n"
                       "  serve                 receive Kinde webhooks and keep profiles in step\n"
                       "\n"
                       "Run kinde-claims-shim COMMAND --help for a command's options.\n"
                       "\n") +
           kExitCodesText;
}

ParsedInvocation parse_invocation(const std::vector<std::string> &args, const Environment &env) {
    ParsedInvocation parsed;
    auto fail = [&parsed](std::string error) {
        parsed.invocation.reset();
        parsed.error = std::move(error);
        return parsed;
    };
    Invocation invocation;
    if (args.empty())
        return fail("no command given");
    const std::string &name = args[0];
    if (name == "--help" || name == "-h" || name == "help") {
        invocation.help = true;
        parsed.invocation = invocation;
        return parsed;
    }
    if (name == "claims")
        invocation.command = Command::claims;
    else if (name == "upsert")
        invocation.command = Command::upsert;
    else if (name == "serve")
        invocation.command = Command::serve;
    else
        return fail("unknown command \"" + name + "\"");

    std::vector<option> options = {
        {"help", no_argument, nullptr, kHelp},
        {"url", required_argument, nullptr, kUrl},
        {"api-key-file", required_argument, nullptr, kApiKeyFile},
        {"timeout", required_argument, nullptr, kTimeout},
    };
    if (invocation.command == Command::upsert) {
        options.push_back({"lifetime-subscriber", required_argument, nullptr, kLifetimeSubscriber});
        options.push_back({"claims", required_argument, nullptr, kClaims});
    }
    if (invocation.command == Command::serve) {
        options.push_back({"listen", required_argument, nullptr, kListen});
        options.push_back({"kinde-domain", required_argument, nullptr, kKindeDomain});
        options.push_back({"jwks-url", required_argument, nullptr, kJwksUrl});
        options.push_back({"jwks-file", required_argument, nullptr, kJwksFile});
        options.push_back({"threads", required_argument, nullptr, kThreads});
    }
    options.push_back({nullptr, 0, nullptr, 0});

    // getopt_long takes any unambiguous prefix ("--api-key" for "--api-key-file"); only whole
    // names are accepted here, so a mistyped flag is an error rather than a different flag.
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--")
            break;
        if (arg.rfind("--", 0) != 0)
            continue;
        std::string flag =
            arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
        const option *known = nullptr;
        for (const option &candidate : options)
            if (candidate.name && flag == candidate.name)
                known = &candidate;
        if (!known)
            return fail("unknown option --" + flag + " for " + name);
        if (known->has_arg == required_argument && arg.find('=') == std::string::npos)
            ++i;
    }

    std::vector<std::string> storage(args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &arg : storage)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::optional<std::string> url, api_key_file, jwks_file, jwks_url, kinde_domain;
    std::vector<std::string> positional;
    optind = 0;  // glibc: start afresh, so the parser can run more than once per process
    opterr = 0;
    int argc = static_cast<int>(argv.size() - 1);
    for (;;) {
        int option_index = 0;
        int option = getopt_long(argc, argv.data(), ":h", options.data(), &option_index);
        if (option == -1)
            break;
        std::string value = optarg ? optarg : "";
        switch (option) {
        case kHelp:
            invocation.help = true;
            break;
        case kUrl:
            url = value;
            break;
        case kApiKeyFile:
            api_key_file = value;
            break;
        case kTimeout: {
            auto ms = parse_positive(value, 600000);
            if (!ms)
                return fail("--timeout takes milliseconds, 1 to 600000");
            invocation.client.timeouts.total_ms = *ms;
            invocation.client.timeouts.connect_ms = std::min(*ms, invocation.client.timeouts.connect_ms);
            break;
        }
        case kLifetimeSubscriber:
            if (value != "true" && value != "false")
                return fail("--lifetime-subscriber takes true or false");
            invocation.lifetime_subscriber = value == "true";
            break;
        case kClaims:
            invocation.claims_json = value;
            break;
        case kListen:
            if (!parse_listen(value, invocation.serve))
                return fail("--listen takes ADDR:PORT, such as 127.0.0.1:8080 or [::1]:8080");
            break;
        case kKindeDomain:
            kinde_domain = value;
            break;
        case kJwksUrl:
            jwks_url = value;
            break;
        case kJwksFile:
            jwks_file = value;
            break;
        case kThreads: {
            auto threads = parse_positive(value, 64);
            if (!threads)
                return fail("--threads takes a number from 1 to 64");
            invocation.serve.threads = static_cast<unsigned>(*threads);
            break;
        }
        case ':':
            return fail(std::string(argv[optind - 1]) + " needs a value");
        default:
            return fail("unknown option " + std::string(argv[optind - 1]) + " for " + name);
        }
    }
    for (int i = optind; i < argc; ++i)
        positional.emplace_back(argv[i]);
    // argv[0] is the command itself; getopt_long skipped it as a program name would be.

    if (invocation.help) {
        parsed.invocation = invocation;
        return parsed;
    }

    if (invocation.command == Command::serve) {
        if (!positional.empty())
            return fail("serve takes no arguments, only options");
    } else {
        if (positional.size() != 1)
            return fail(name + " takes exactly one USER_ID");
        invocation.user_id = positional[0];
    }

    if (!url)
        url = env("KINDE_CLAIMS_URL");
    if (!url)
        return fail("no PostgREST URL: set KINDE_CLAIMS_URL or pass --url");
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
        return fail("the PostgREST URL must start with http:// or https://");
    invocation.client.url = strip_trailing_slashes(*url);

    if (api_key_file) {
        std::ifstream file(*api_key_file, std::ios::binary);
        if (!file)
            return fail("cannot read the API key file " + *api_key_file);
        std::ostringstream text;
        text << file.rdbuf();
        invocation.client.api_key = trim_trailing_space(text.str());
        if (invocation.client.api_key.empty())
            return fail("the API key file " + *api_key_file + " is empty");
    } else if (auto key = env("KINDE_CLAIMS_API_KEY")) {
        invocation.client.api_key = trim_trailing_space(*key);
    }
    if (auto gateway_key = env("KINDE_CLAIMS_GATEWAY_KEY"))
        invocation.client.gateway_key = trim_trailing_space(*gateway_key);
    if (invocation.client.api_key.find_first_of("\r\n") != std::string::npos ||
        invocation.client.gateway_key.find_first_of("\r\n") != std::string::npos)
        return fail("an API key must be one line");

    if (invocation.command == Command::serve) {
        // Flags first, then the environment; within each, a file before a URL before a domain.
        bool any_flag = jwks_file || jwks_url || kinde_domain;
        if (!any_flag) {
            jwks_file = env("KINDE_JWKS_FILE");
            jwks_url = env("KINDE_JWKS_URL");
            kinde_domain = env("KINDE_DOMAIN");
        }
        JwksSource &jwks = invocation.serve.jwks;
        if (jwks_file) {
            jwks = {JwksSource::Kind::file, *jwks_file};
        } else if (jwks_url) {
            if (std::string error = check_jwks_url(*jwks_url); !error.empty())
                return fail(error);
            jwks = {JwksSource::Kind::url, *jwks_url};
        } else if (kinde_domain) {
            auto domain_url = jwks_url_for_domain(*kinde_domain);
            if (!domain_url)
                return fail("KINDE_DOMAIN / --kinde-domain takes a host name such as myapp.kinde.com");
            jwks = {JwksSource::Kind::url, *domain_url};
        } else {
            return fail("no signing keys: set KINDE_DOMAIN (or KINDE_JWKS_URL, KINDE_JWKS_FILE) "
                        "or pass --kinde-domain");
        }
    }
    parsed.invocation = invocation;
    return parsed;
}

}  // namespace kinde_claims::shim
