// Declarations only (include/CFuzzDriver.h); libFuzzer (-sanitize=fuzzer) defines the driver.
#include "CFuzzDriver.h"
