/* A shared object (built with -shared -fPIC, so it needs no __libc_start_main@GLIBC_2.34) that
 * calls one library chosen with -D: what a Python extension or Node addon linking it needs. */
#if defined(USE_SSL)
#include <openssl/ssl.h>
int entry(void) { return OPENSSL_init_ssl(0, 0); }
#elif defined(USE_ZLIB_1_2_9)
#include <zlib.h>
int entry(void) { return (int)crc32_z(0L, (const unsigned char *)"x", 1); } /* ZLIB_1.2.9 */
#elif defined(USE_EXPAT)
#include <expat.h>
int entry(void) { return XML_ParserCreate(0) != 0; }
#elif defined(USE_BZ2)
#include <bzlib.h>
int entry(void) { return BZ2_bzlibVersion() != 0; }
#elif defined(USE_UUID)
#include <uuid/uuid.h>
int entry(void) { uuid_t id; uuid_generate(id); return id[0]; }
#elif defined(USE_SQLITE)
#include <sqlite3.h>
int entry(void) { return sqlite3_libversion_number(); }
#elif defined(USE_CRYPT)
#include <crypt.h>
int entry(void) { return crypt("x", "ab") != 0; } /* crypt@XCRYPT_2.0 from libcrypt.so.1 */
#elif defined(USE_PQ)
#include <libpq-fe.h>
int entry(void) { return PQlibVersion(); }
#else /* USE_STUB: a stub library's symbol, whatever soname and version node the stub has */
extern int stub_symbol(void);
int entry(void) { return stub_symbol(); }
#endif
