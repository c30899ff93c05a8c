"""Verify a Tessera token with PyJWT, an independent implementation: pick the JWKS key by exact
kid, pin the algorithm to that key's alg, and require exp/iat/sub."""
import json
import sys

import jwt

jwks_path, token = sys.argv[1], sys.argv[2]
audience = sys.argv[3] if len(sys.argv) > 3 else None
header = jwt.get_unverified_header(token)
keys = {k["kid"]: k for k in json.load(open(jwks_path))["keys"]}
jwk = keys[header["kid"]]
key = jwt.PyJWK.from_dict(jwk)
claims = jwt.decode(token, key.key, algorithms=[jwk["alg"]], audience=audience,
                    options={"require": ["exp", "iat", "sub"]}, leeway=5)
assert claims["sub"] == "user_42", claims
