/*
 * A lying unit runner: every test passed. A submission that carries it
 * must gain nothing: the grader uses the course's tests/.
 */
#include <stdio.h>

int main(void)
{
    puts("Run Summary:    Type  Total    Ran Passed Failed Inactive\n"
         "              suites      1      1    n/a      0        0\n"
         "               tests     99     99     99      0        0");
    return 0;
}
