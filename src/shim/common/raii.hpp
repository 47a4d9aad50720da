// Owners for the C libraries' objects: each released when its owner goes out of scope, so no
// early return or exception leaks one. Every deleter of the shim is here.
#pragma once

#include <cjose/jwk.h>
#include <cjose/jws.h>
#include <cjose/util.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace kinde_claims::shim {

struct JsonRelease {
    void operator()(json_t *value) const { json_decref(value); }
};
using Json = std::unique_ptr<json_t, JsonRelease>;

// Text jansson allocated with malloc (json_dumps).
struct MallocTextRelease {
    void operator()(char *text) const { std::free(text); }
};
using MallocText = std::unique_ptr<char, MallocTextRelease>;

struct JwkRelease {
    void operator()(cjose_jwk_t *jwk) const { cjose_jwk_release(jwk); }
};
using Jwk = std::unique_ptr<cjose_jwk_t, JwkRelease>;

struct JwsRelease {
    void operator()(cjose_jws_t *jws) const { cjose_jws_release(jws); }
};
using Jws = std::unique_ptr<cjose_jws_t, JwsRelease>;

// Bytes cjose allocated for us (a base64url decode).
struct CjoseBytesRelease {
    void operator()(std::uint8_t *bytes) const { cjose_get_dealloc()(bytes); }
};
using CjoseBytes = std::unique_ptr<std::uint8_t, CjoseBytesRelease>;

struct CurlHeadersRelease {
    void operator()(curl_slist *list) const { curl_slist_free_all(list); }
};
using CurlHeaders = std::unique_ptr<curl_slist, CurlHeadersRelease>;

// Text libcurl allocated (curl_easy_escape).
struct CurlTextRelease {
    void operator()(char *text) const { curl_free(text); }
};
using CurlText = std::unique_ptr<char, CurlTextRelease>;

struct MhdResponseRelease {
    void operator()(MHD_Response *response) const { MHD_destroy_response(response); }
};
using MhdResponse = std::unique_ptr<MHD_Response, MhdResponseRelease>;

}  // namespace kinde_claims::shim
