// The system OpenSSL's libcrypto (Debian libssl-dev), for the RSA primitive swift-crypto does not
// offer: PKCS#1 v1.5 encryption (Fundamental Interactions' login). Only EVP calls are used.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/err.h>
