#include "test_keys.hpp"

#include <cjose/base64.h>
#include <cjose/header.h>
#include <cjose/jws.h>
#include <cjose/util.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/json.hpp"

namespace kinde_claims::test {

Jwk rsa_key(const std::string &kid, std::size_t bits) {
    static const uint8_t kExponent[] = {0x01, 0x00, 0x01};
    cjose_err error;
    Jwk key(cjose_jwk_create_RSA_random(bits, kExponent, sizeof kExponent, &error));
    if (!key || !cjose_jwk_set_kid(key.get(), kid.data(), kid.size(), &error))
        throw std::runtime_error("cannot make an RSA key");
    return key;
}

std::string jwks_of(std::initializer_list<const cjose_jwk_t *> keys) {
    shim::Json set(json_pack("{s:[]}", "keys"));
    for (const cjose_jwk_t *key : keys) {
        cjose_err error;
        char *text = cjose_jwk_to_json(key, false, &error);
        shim::Json entry = shim::json_parse(text);
        cjose_get_dealloc()(text);
        json_object_set_new(entry.get(), "use", json_string("sig"));
        json_object_set_new(entry.get(), "alg", json_string("RS256"));
        json_array_append(json_object_get(set.get(), "keys"), entry.get());
    }
    return shim::json_text(set.get());
}

std::string sign(const cjose_jwk_t *key, std::string_view payload, const std::string &kid,
                 const std::string &alg) {
    cjose_err error;
    cjose_header_t *header = cjose_header_new(&error);
    cjose_header_set(header, CJOSE_HDR_ALG, alg.c_str(), &error);
    cjose_header_set(header, CJOSE_HDR_KID, kid.c_str(), &error);
    cjose_header_set(header, "typ", "JWT", &error);
    cjose_jws_t *jws = cjose_jws_sign(key, header, reinterpret_cast<const uint8_t *>(payload.data()),
                                      payload.size(), &error);
    cjose_header_release(header);
    if (!jws)
        throw std::runtime_error(std::string("cannot sign: ") + error.message);
    const char *compact = nullptr;
    cjose_jws_export(jws, &compact, &error);
    std::string token(compact);
    cjose_jws_release(jws);
    return token;
}

std::string base64url(std::string_view bytes) {
    char *encoded = nullptr;
    size_t encoded_len = 0;
    cjose_err error;
    if (!cjose_base64url_encode(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), &encoded,
                                &encoded_len, &error))
        throw std::runtime_error("cannot encode");
    std::string text(encoded, encoded_len);
    cjose_get_dealloc()(encoded);
    return text;
}

std::string payload(const std::string &type, const std::string &event_id, const std::string &kinde_id,
                    const std::string &timestamp) {
    shim::Json event(json_pack("{s:{s:{s:s, s:s, s:s}}, s:s, s:s, s:s, s:s}", "data", "user", "id",
                               kinde_id.c_str(), "email", "someone@example.com", "first_name", "Some",
                               "event_id", event_id.c_str(), "source", "admin", "timestamp",
                               timestamp.c_str(), "type", type.c_str()));
    return shim::json_text(event.get());
}

std::string fixture(const std::string &relative_path, bool strip_newline) {
    std::ifstream file(std::string(KC_FIXTURES_DIR) + "/" + relative_path, std::ios::binary);
    if (!file)
        throw std::runtime_error("missing fixture " + relative_path);
    std::ostringstream text;
    text << file.rdbuf();
    std::string content = text.str();
    if (strip_newline && !content.empty() && content.back() == '\n')
        content.pop_back();
    return content;
}

}  // namespace kinde_claims::test
