// COIN-OR Clp's C interface (Debian package coinor-libclp-dev). The header lives in
// /usr/include/coin and includes its neighbours by quoted names, so one include suffices.
#include <coin/Clp_C_Interface.h>
