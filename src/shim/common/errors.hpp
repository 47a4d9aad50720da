// The shim's one error convention, for every file:
// - A function that can fail returns std::optional<T> (or bool when there is no value) and sets
//   its last parameter, `std::string &error`, to one line for a person.
// - Where the caller needs more than a line (an HTTP status, whether retrying can help), that last
//   parameter is a struct (WebhookRefusal, M2mTokenFailure).
// - A network call, whose every ending is an answer to classify, returns a struct by value: its
//   outcome, the HTTP status, and one line for a person in `message` (RpcResult, RefreshAnswer,
//   JwksCache::RefreshResult; M2mTokenFailure names its line `message` too).
// None of these lines ever holds a token, a key or a secret. No exception is thrown for a failure
// of these kinds, and none may unwind into a C library's frames (libmicrohttpd's callbacks).
#pragma once
