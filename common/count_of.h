/*
 * count_of: the number of elements of an array, for every program and the
 * tests.
 *
 * Only for a true array in scope: a pointer (an array parameter included)
 * gives a wrong count, which -Wsizeof-pointer-div (in -Wall) reports.
 */
#ifndef COUNT_OF_H
#define COUNT_OF_H

/* The number of elements of array (a compile-time constant). */
#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

#endif
