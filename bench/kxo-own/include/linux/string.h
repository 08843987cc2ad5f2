#ifndef KXO_OWN_STRING_H
#define KXO_OWN_STRING_H
#include <string.h>
#endif
