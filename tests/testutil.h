/* testutil.h - placeholder */
