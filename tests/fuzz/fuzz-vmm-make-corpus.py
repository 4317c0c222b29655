#!/usr/bin/env python3
"""Regenerate the seed corpus of the vmm fuzz targets: a valid synthetic
bzImage and PVH ELF, and hostile variants of each (truncations, sizes and
offsets that point past the file or wrap)."""
import struct, os
import sys
d=os.path.dirname(os.path.abspath(__file__)) + '/'
def bz(kernel=1024, version=0x020f, setup_sects=4, xlf=1, pref=0x1000000, init=0x400000, jump=0x66):
    setup=(setup_sects+1)*512
    img=bytearray(setup+kernel)
    img[0x1f1]=setup_sects; struct.pack_into('<H',img,0x1fe,0xaa55); img[0x200]=0xeb; img[0x201]=jump
    img[0x202:0x206]=b'HdrS'; struct.pack_into('<H',img,0x206,version); img[0x211]=1
    struct.pack_into('<I',img,0x22c,0x7fffffff); struct.pack_into('<I',img,0x230,0x200000); img[0x234]=1
    struct.pack_into('<H',img,0x236,xlf); struct.pack_into('<I',img,0x238,2048)
    struct.pack_into('<Q',img,0x258,pref); struct.pack_into('<I',img,0x260,init)
    for i in range(kernel): img[setup+i]=(i*7+1)&255
    return bytes(img)
B=d+'fuzz-vmm-bzimage-corpus/'
open(B+'valid','wb').write(bz())
open(B+'truncated-header','wb').write(bz()[:0x230])
open(B+'truncated-kernel','wb').write(bz()[:5*512+0x100])
open(B+'old-protocol','wb').write(bz(version=0x0206))
open(B+'no-64bit','wb').write(bz(xlf=0))
open(B+'huge-setup','wb').write(bz(setup_sects=255))
open(B+'load-beyond-memory','wb').write(bz(pref=0x40000000))
open(B+'huge-init-size','wb').write(bz(init=0xffffffff))
open(B+'short-header','wb').write(bz(jump=0))
def elf(payload=256, phnum=2, phoff=64, namesz=4, descsz=8, entry=0x200010, filesz=None, memsz=None, paddr=0x200000):
    noff=64+2*56; nsize=12+4+8; loff=noff+nsize
    img=bytearray(loff+payload)
    img[0:4]=b'\x7fELF'; img[4]=2; img[5]=1; img[6]=1
    struct.pack_into('<HHI',img,16,2,62,1); struct.pack_into('<Q',img,32,phoff)
    struct.pack_into('<HHH',img,52,64,56,phnum)
    fs=payload if filesz is None else filesz; ms=payload+0x1000 if memsz is None else memsz
    struct.pack_into('<IIQQQQQQ',img,64,1,7,loff,0xffffffff80000000+paddr,paddr,fs,ms,0x1000)
    struct.pack_into('<IIQQQQQQ',img,64+56,4,4,noff,0,0,nsize,nsize,4)
    struct.pack_into('<III',img,noff,namesz,descsz,18); img[noff+12:noff+16]=b'Xen\0'
    struct.pack_into('<Q',img,noff+16,entry)
    return bytes(img)
P=d+'fuzz-vmm-pvh-corpus/'
open(P+'valid','wb').write(elf())
open(P+'truncated','wb').write(elf()[:150])
open(P+'phnum-huge','wb').write(elf(phnum=0xffff))
open(P+'phoff-wraps','wb').write(elf(phoff=0xfffffffffffffff0))
open(P+'note-namesz-huge','wb').write(elf(namesz=0xfffffff0))
open(P+'note-descsz-huge','wb').write(elf(descsz=0xffffffff))
open(P+'filesz-beyond-file','wb').write(elf(filesz=1<<40))
open(P+'memsz-wraps','wb').write(elf(memsz=0xffffffffffffffff))
open(P+'load-beyond-memory','wb').write(elf(paddr=0x7ffff000))
open(P+'entry-above-4g','wb').write(elf(entry=1<<33))
