// The two LAPACK routines diqkd uses, from OpenBLAS (Debian package libopenblas-dev, which
// carries LAPACK with its own optimised Cholesky). Declared here with the Fortran calling
// convention so that no particular LAPACK header layout is assumed.
#ifndef DIQKD_CLAPACK_SHIM_H
#define DIQKD_CLAPACK_SHIM_H

/// Cholesky factorisation of a symmetric positive definite matrix (column-major).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/// Solves A X = B with the factor from dpotrf_.
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);

#endif
