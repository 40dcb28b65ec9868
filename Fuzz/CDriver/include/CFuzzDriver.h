// libFuzzer's driver, called from the runner's entry point (Fuzz/Runner). SwiftPM links an
// executable's entry as `<module>_main`, so the runner supplies that and hands the arguments to
// libFuzzer instead of using libFuzzer's own main().
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
