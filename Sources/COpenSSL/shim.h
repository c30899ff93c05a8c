#ifndef TESSERA_COPENSSL_SHIM_H
#define TESSERA_COPENSSL_SHIM_H

// The only place C is imported. We use OpenSSL 3 EVP interfaces exclusively; deprecated
// low-level APIs stay hidden so that a warning-free build proves we do not call them.
#define OPENSSL_NO_DEPRECATED_3_0 1
#define OPENSSL_API_COMPAT 30000

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

// OPENSSL_free is a macro; Swift cannot call macros that take arguments.
static inline void copenssl_free(void *p) { OPENSSL_free(p); }

// Selections are macros built from other macros; give Swift plain constants.
static const int copenssl_selection_public_key = EVP_PKEY_PUBLIC_KEY;
static const int copenssl_selection_keypair = EVP_PKEY_KEYPAIR;

#endif
