o:
movsx1632 %r10, %r2