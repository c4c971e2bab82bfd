/*
 * Host eigensolvers for the truncated GN solve at n = 1024 (issue 16): the full dsyevd (what
 * src/linalg uses) against two partial ones that compute only the eigenpairs above the cut
 * lambda >= rtol^2 lambda_max (rtol = 1e-2): dsyevr with a value range (bisection + inverse
 * iteration in LAPACK when not all eigenvalues are asked for) and dsytrd + dstemr (MRRR on the value
 * range) + dormtr on the kept vectors only. The matrix is Q^T diag(lambda) Q with a fixed random
 * orthogonal Q and lambda_i = 10^(-4 (i + 1/2) / k), so k eigenvalues lie above the cut.
 *
 *   cc -O2 -o /tmp/bench-eig scripts/bench-eig.c $(pkg-config --cflags --libs openblas) -lm
 *   /tmp/bench-eig 462      # k = 462, 236: the ranks of the MNIST paper-scale blocks in the first step
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <cblas.h>
extern void dsyevd_(const char*,const char*,const int*,double*,const int*,double*,double*,const int*,int*,const int*,int*);
extern void dsyevr_(const char*,const char*,const char*,const int*,double*,const int*,const double*,const double*,const int*,const int*,const double*,int*,double*,double*,const int*,int*,double*,const int*,int*,const int*,int*);
extern void dsytrd_(const char*,const int*,double*,const int*,double*,double*,double*,double*,const int*,int*);
extern void dstemr_(const char*,const char*,const int*,double*,double*,const double*,const double*,const int*,const int*,int*,double*,double*,const int*,const int*,int*,int*,double*,const int*,int*,const int*,int*);
extern void dormtr_(const char*,const char*,const char*,const int*,const int*,const double*,const int*,const double*,double*,const int*,double*,const int*,int*);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int n=1024;
double t_evd(double*g,double*w){double*a=malloc(8*n*n);memcpy(a,g,8*n*n);int lw=-1,liw=-1,info,iwq;double wq;
 dsyevd_("V","L",&n,a,&n,w,&wq,&lw,&iwq,&liw,&info);lw=wq+1;liw=iwq;double*work=malloc(8*lw);int*iw=malloc(4*liw);
 double t0=now();dsyevd_("V","L",&n,a,&n,w,work,&lw,iw,&liw,&info);double t=now()-t0;free(a);free(work);free(iw);return t;}
double t_evr(double*g,double vl,int*mout){double*a=malloc(8*n*n);memcpy(a,g,8*n*n);double*w=malloc(8*n),*z=malloc(8*n*n);int*sup=malloc(8*n);
 int one=1,m,info,lw=-1,liw=-1,iwq;double wq,vu=INFINITY,abst=0;double t0=now();
 dsyevr_("V","V","L",&n,a,&n,&vl,&vu,&one,&one,&abst,&m,w,z,&n,sup,&wq,&lw,&iwq,&liw,&info);lw=wq+1;liw=iwq;double*work=malloc(8*lw);int*iw=malloc(4*liw);
 dsyevr_("V","V","L",&n,a,&n,&vl,&vu,&one,&one,&abst,&m,w,z,&n,sup,work,&lw,iw,&liw,&info);double t=now()-t0;*mout=m;free(a);free(w);free(z);free(sup);free(work);free(iw);return t;}
double t_mr(double*g,double vl,int*mout,double*wout,double*zout){double*a=malloc(8*n*n);memcpy(a,g,8*n*n);double*d=malloc(8*n),*e=malloc(8*n),*tau=malloc(8*n);
 int lw=-1,info;double wq;double t0=now();dsytrd_("L",&n,a,&n,d,e,tau,&wq,&lw,&info);lw=wq+1;double*work=malloc(8*lw);dsytrd_("L",&n,a,&n,d,e,tau,work,&lw,&info);double t1=now();
 double vu=INFINITY;int one=1,m,tryrac=1,*sup=malloc(8*n);double*z=zout;int nzc=n;int lw2=-1,liw=-1,iwq;
 // dstemr query nzc
 double*w=wout;dstemr_("V","V",&n,d,e,&vl,&vu,&one,&one,&m,w,z,&n,&nzc,sup,&tryrac,&wq,&lw2,&iwq,&liw,&info);
 lw2=wq+1;liw=iwq;double*w2=malloc(8*lw2);int*iw=malloc(4*liw);nzc=n;
 dstemr_("V","V",&n,d,e,&vl,&vu,&one,&one,&m,w,z,&n,&nzc,sup,&tryrac,w2,&lw2,iw,&liw,&info);double t2=now();
 if(info)printf("dstemr info %d\n",info);
 int lw3=-1;dormtr_("L","L","N",&n,&m,a,&n,tau,z,&n,&wq,&lw3,&info);lw3=wq+1;double*w3=malloc(8*lw3);
 dormtr_("L","L","N",&n,&m,a,&n,tau,z,&n,w3,&lw3,&info);double t3=now();
 if(info)printf("dormtr info %d\n",info);
 fprintf(stderr,"  trd %.0f mr %.0f ormtr %.0f\n",t1-t0,t2-t1,t3-t2);
 *mout=m;free(a);free(d);free(e);free(tau);free(work);free(sup);free(w2);free(iw);free(w3);return t3-t0;}
int main(int argc,char**argv){ int k=atoi(argv[1]);
 double*q=malloc(8*n*n);unsigned s=12345;for(int i=0;i<n;i++)for(int j=0;j<=i;j++){s=s*1103515245u+12345u;q[i*n+j]=q[j*n+i]=(s%2147483648u)/2147483648.0-0.5;}
 double*w=malloc(8*n);{int lw=-1,liw=-1,info,iwq;double wq;dsyevd_("V","L",&n,q,&n,w,&wq,&lw,&iwq,&liw,&info);lw=wq+1;liw=iwq;double*work=malloc(8*lw);int*iw=malloc(4*liw);dsyevd_("V","L",&n,q,&n,w,work,&lw,iw,&liw,&info);}
 double*ql=malloc(8*n*n),*g=malloc(8*n*n);for(int i=0;i<n;i++){double l=pow(10,-4.0*(i+0.5)/k);for(int j=0;j<n;j++)ql[i*n+j]=q[i*n+j]*l;}
 cblas_dgemm(CblasRowMajor,CblasTrans,CblasNoTrans,n,n,n,1,q,n,ql,n,0,g,n);
 double cut=1e-4*0.999;int m1,m2;double*wm=malloc(8*n),*zm=malloc(8*n*n);
 for(int r=0;r<3;r++){double a=t_evd(g,w),b=t_evr(g,cut,&m1),c=t_mr(g,cut,&m2,wm,zm);printf("k=%d: dsyevd %.0f ms, dsyevr(V) %.0f ms (%d), dsytrd+dstemr+dormtr %.0f ms (%d)\n",k,a,b,m1,c,m2);}
 // accuracy: compare kept eigenvalues with dsyevd's top ones
 double maxd=0;for(int i=0;i<m2;i++){double dd=fabs(wm[i]-w[n-m2+i]);if(dd>maxd)maxd=dd;} printf("max |dw| %.3g\n",maxd);
 return 0;}
