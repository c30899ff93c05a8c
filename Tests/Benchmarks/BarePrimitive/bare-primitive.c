/*
 * make bench, floor section: the fastest any token operation can be through OpenSSL's EVP calls.
 *
 * A token mint must hash its whole signing input (about 765 bytes for the benchmark's token) and sign
 * the digest; `openssl speed` signs 20 bytes and hashes nothing. This program does only what a token
 * cannot avoid (SHA-256 of an input the token's size, then the same EVP call, on prepared contexts,
 * in C, with no JSON, no base64url and no Swift) and reports operations per second of user CPU time,
 * the divisor `openssl speed` uses. bare-primitive.sh runs it beside `openssl speed` on one CPU.
 *
 * usage: bare-primitive KEY.pem rsa|ec|ed sign|verify INPUT_BYTES WALL_SECONDS
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double user_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
}

static double wall_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static int fail(const char *what) {
    fprintf(stderr, "bare-primitive: %s failed\n", what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: bare-primitive KEY.pem rsa|ec|ed sign|verify INPUT_BYTES WALL_SECONDS\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "r");
    if (file == NULL) return fail("opening the key");
    EVP_PKEY *key = PEM_read_PrivateKey(file, NULL, NULL, NULL);
    fclose(file);
    if (key == NULL) return fail("reading the key");
    const int edwards = strcmp(argv[2], "ed") == 0, rsa = strcmp(argv[2], "rsa") == 0;
    const int signing = strcmp(argv[3], "sign") == 0;
    const size_t input_length = (size_t)atol(argv[4]);
    const double seconds = atof(argv[5]);

    unsigned char *input = malloc(input_length), signature[512], digest[32];
    memset(input, 0x61, input_length);
    size_t signature_length = sizeof signature;
    EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *hash = EVP_MD_CTX_new(), *edwards_sign = EVP_MD_CTX_new(), *edwards_verify = EVP_MD_CTX_new();
    EVP_PKEY_CTX *sign = EVP_PKEY_CTX_new(key, NULL), *verify = EVP_PKEY_CTX_new(key, NULL);
    if (edwards) {
        if (EVP_DigestSignInit_ex(edwards_sign, NULL, NULL, NULL, NULL, key, NULL) != 1
            || EVP_DigestVerifyInit_ex(edwards_verify, NULL, NULL, NULL, NULL, key, NULL) != 1
            || EVP_DigestSign(edwards_sign, signature, &signature_length, input, input_length) != 1)
            return fail("preparing Ed25519");
    } else {
        unsigned int digest_length;
        if (EVP_PKEY_sign_init(sign) != 1 || EVP_PKEY_verify_init(verify) != 1
            || (rsa && (EVP_PKEY_CTX_set_rsa_padding(sign, RSA_PKCS1_PADDING) != 1
                        || EVP_PKEY_CTX_set_rsa_padding(verify, RSA_PKCS1_PADDING) != 1))
            || EVP_PKEY_CTX_set_signature_md(sign, sha256) != 1 || EVP_PKEY_CTX_set_signature_md(verify, sha256) != 1
            || EVP_DigestInit_ex2(hash, sha256, NULL) != 1 || EVP_DigestUpdate(hash, input, input_length) != 1
            || EVP_DigestFinal_ex(hash, digest, &digest_length) != 1
            || EVP_PKEY_sign(sign, signature, &signature_length, digest, sizeof digest) != 1)
            return fail("preparing the contexts");
    }
    const size_t made_length = signature_length;

    long operations = 0;
    const double wall_start = wall_seconds(), user_start = user_seconds();
    while (wall_seconds() - wall_start < seconds) {
        for (int batch = 0; batch < 50; batch++) {
            int ok;
            if (edwards) {
                signature_length = sizeof signature;
                ok = signing ? EVP_DigestSign(edwards_sign, signature, &signature_length, input, input_length)
                             : EVP_DigestVerify(edwards_verify, signature, made_length, input, input_length);
            } else {
                unsigned int digest_length;
                ok = EVP_DigestInit_ex2(hash, sha256, NULL) == 1 && EVP_DigestUpdate(hash, input, input_length) == 1
                    && EVP_DigestFinal_ex(hash, digest, &digest_length) == 1;
                signature_length = sizeof signature;
                ok = ok && (signing ? EVP_PKEY_sign(sign, signature, &signature_length, digest, sizeof digest)
                                    : EVP_PKEY_verify(verify, signature, made_length, digest, sizeof digest));
            }
            if (ok != 1) return fail(signing ? "signing" : "verifying");
        }
        operations += 50;
    }
    printf("%.1f\n", operations / (user_seconds() - user_start));
    return 0;
}
