#ifndef VENUEBRIDGE_CHIREDIS_SHIM_H
#define VENUEBRIDGE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
